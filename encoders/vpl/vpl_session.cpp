// Opens a oneVPL hardware H.264 encode session through libvpl's dispatcher; see vpl_session.hpp.
#include "vpl_session.hpp"

#include "vpl_assert.hpp"

namespace scenehost::vpl {
namespace {

// Adds the filter `name` = value to a new config of loader; returns why it failed, or "".
std::string add_filter(mfxLoader loader, const char *name, mfxU32 value) {
    mfxConfig config = MFXCreateConfig(loader);
    if (config == nullptr) return "MFXCreateConfig failed (returned no config)";
    mfxVariant variant{};
    variant.Type = MFX_VARIANT_TYPE_U32;
    variant.Data.U32 = value;
    const mfxStatus status = MFXSetConfigFilterProperty(config, reinterpret_cast<const mfxU8 *>(name), variant);
    if (status != MFX_ERR_NONE) return call_failed(std::string("MFXSetConfigFilterProperty(") + name + ")", status);
    return "";
}

}  // namespace

std::string status_text(mfxStatus status) {
    switch (status) {
#define VPL_STATUS(name) \
    case name:           \
        return #name " (" + std::to_string(static_cast<int>(name)) + ")";
        VPL_STATUS(MFX_ERR_NONE)
        VPL_STATUS(MFX_ERR_UNKNOWN)
        VPL_STATUS(MFX_ERR_NULL_PTR)
        VPL_STATUS(MFX_ERR_UNSUPPORTED)
        VPL_STATUS(MFX_ERR_MEMORY_ALLOC)
        VPL_STATUS(MFX_ERR_NOT_ENOUGH_BUFFER)
        VPL_STATUS(MFX_ERR_INVALID_HANDLE)
        VPL_STATUS(MFX_ERR_LOCK_MEMORY)
        VPL_STATUS(MFX_ERR_NOT_INITIALIZED)
        VPL_STATUS(MFX_ERR_NOT_FOUND)
        VPL_STATUS(MFX_ERR_MORE_DATA)
        VPL_STATUS(MFX_ERR_MORE_SURFACE)
        VPL_STATUS(MFX_ERR_ABORTED)
        VPL_STATUS(MFX_ERR_DEVICE_LOST)
        VPL_STATUS(MFX_ERR_INCOMPATIBLE_VIDEO_PARAM)
        VPL_STATUS(MFX_ERR_INVALID_VIDEO_PARAM)
        VPL_STATUS(MFX_ERR_UNDEFINED_BEHAVIOR)
        VPL_STATUS(MFX_ERR_DEVICE_FAILED)
        VPL_STATUS(MFX_ERR_MORE_BITSTREAM)
        VPL_STATUS(MFX_ERR_GPU_HANG)
        VPL_STATUS(MFX_ERR_REALLOC_SURFACE)
        VPL_STATUS(MFX_ERR_RESOURCE_MAPPED)
        VPL_STATUS(MFX_ERR_NOT_IMPLEMENTED)
        VPL_STATUS(MFX_WRN_IN_EXECUTION)
        VPL_STATUS(MFX_WRN_DEVICE_BUSY)
        VPL_STATUS(MFX_WRN_VIDEO_PARAM_CHANGED)
        VPL_STATUS(MFX_WRN_PARTIAL_ACCELERATION)
        VPL_STATUS(MFX_WRN_INCOMPATIBLE_VIDEO_PARAM)
        VPL_STATUS(MFX_WRN_VALUE_NOT_CHANGED)
        VPL_STATUS(MFX_WRN_OUT_OF_RANGE)
        VPL_STATUS(MFX_WRN_FILTER_SKIPPED)
        VPL_STATUS(MFX_ERR_NONE_PARTIAL_OUTPUT)
        VPL_STATUS(MFX_WRN_ALLOC_TIMEOUT_EXPIRED)
#undef VPL_STATUS
        default:
            return "mfxStatus " + std::to_string(static_cast<int>(status));
    }
}

std::string call_failed(std::string_view call, mfxStatus status) {
    return std::string(call) + " failed: " + status_text(status);
}

std::variant<std::unique_ptr<VplSession>, std::string> VplSession::open() {
    mfxLoader loader = MFXLoad();
    if (loader == nullptr) return std::string("MFXLoad failed (returned no loader)");
    std::string why = add_filter(loader, "mfxImplDescription.Impl", MFX_IMPL_TYPE_HARDWARE);
    if (why.empty()) why = add_filter(loader, "mfxImplDescription.mfxEncoderDescription.encoder.CodecID", MFX_CODEC_AVC);
    if (!why.empty()) {
        MFXUnload(loader);
        return why;
    }
    mfxSession session = nullptr;
    const mfxStatus status = MFXCreateSession(loader, 0, &session);
    if (status != MFX_ERR_NONE) {
        MFXUnload(loader);
        return std::string(kNoImplementation) +
               " (Debian: apt install intel-media-va-driver-non-free libmfx-gen1.2; elsewhere the onevpl-intel-gpu "
               "runtime); " + call_failed("MFXCreateSession", status);
    }
    VPL_ASSERT(session != nullptr, "MFXCreateSession returned MFX_ERR_NONE, so it made a session");
    return std::unique_ptr<VplSession>(new VplSession(loader, session));
}

VplSession::~VplSession() {
    MFXClose(session_);
    MFXUnload(loader_);
}

}  // namespace scenehost::vpl
