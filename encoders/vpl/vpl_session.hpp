// A oneVPL session on a hardware implementation that can encode H.264, found through libvpl's
// dispatcher (MFXLoad + config filters), and the names of mfxStatus values for error texts.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <vpl/mfxdispatcher.h>
#include <vpl/mfxvideo.h>

namespace scenehost::vpl {

// The start of the reason probe and create give when the dispatcher finds no implementation.
inline constexpr std::string_view kNoImplementation =
    "no oneVPL implementation for H.264 encode: needs an Intel GPU with the oneVPL GPU runtime";

// "MFX_ERR_NOT_FOUND (-9)"; unknown values as "mfxStatus -42".
std::string status_text(mfxStatus status);
// "<call> failed: <status_text>", the form of every why text about a oneVPL call.
std::string call_failed(std::string_view call, mfxStatus status);

// An open session and the loader it came from. Invariant: session() is a valid session until
// destruction, which closes it before unloading the dispatcher.
class VplSession {
public:
    // A session on the first hardware implementation offering H.264 encode, or why there is none.
    static std::variant<std::unique_ptr<VplSession>, std::string> open();
    ~VplSession();
    VplSession(const VplSession &) = delete;
    VplSession &operator=(const VplSession &) = delete;

    mfxSession session() const { return session_; }

private:
    VplSession(mfxLoader loader, mfxSession session) : loader_(loader), session_(session) {}

    mfxLoader loader_;
    mfxSession session_;
};

}  // namespace scenehost::vpl
