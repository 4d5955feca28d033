// libavcodec behind H264Decoder: send one packet, receive at most one frame, copy it to I420.
#include "support/h264_decoder.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include <libyuv/convert.h>

namespace scenehost::test {

namespace {

void check(int rc, const char *what) {
    if (rc < 0) {
        char text[AV_ERROR_MAX_STRING_SIZE] = {};
        av_strerror(rc, text, sizeof text);
        throw std::runtime_error(std::string(what) + ": " + text);
    }
}

}  // namespace

void H264Decoder::Free::operator()(AVCodecContext *c) const { avcodec_free_context(&c); }
void H264Decoder::Free::operator()(AVFrame *f) const { av_frame_free(&f); }
void H264Decoder::Free::operator()(AVPacket *p) const { av_packet_free(&p); }

H264Decoder::H264Decoder() : H264Decoder(std::span<const uint8_t>{}) {}

H264Decoder::H264Decoder(std::span<const uint8_t> avcc_record) {
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    if (codec == nullptr) throw std::runtime_error("libavcodec has no H.264 decoder");
    context_.reset(avcodec_alloc_context3(codec));
    frame_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!context_ || !frame_ || !packet_) throw std::runtime_error("libavcodec allocation failed");
    context_->flags |= AV_CODEC_FLAG_LOW_DELAY;
    context_->thread_count = 1;
    if (!avcc_record.empty()) {
        // libavcodec owns extradata and frees it with the context.
        auto *extra = static_cast<uint8_t *>(av_mallocz(avcc_record.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (extra == nullptr) throw std::runtime_error("libavcodec allocation failed");
        std::memcpy(extra, avcc_record.data(), avcc_record.size());
        context_->extradata = extra;
        context_->extradata_size = int(avcc_record.size());
    }
    check(avcodec_open2(context_.get(), codec, nullptr), "avcodec_open2");
}

H264Decoder::~H264Decoder() = default;

std::optional<codec::YuvImage> H264Decoder::decode(std::span<const uint8_t> unit) {
    check(av_new_packet(packet_.get(), int(unit.size())), "av_new_packet");
    std::memcpy(packet_->data, unit.data(), unit.size());
    const int sent = avcodec_send_packet(context_.get(), packet_.get());
    av_packet_unref(packet_.get());
    check(sent, "avcodec_send_packet");
    const int received = avcodec_receive_frame(context_.get(), frame_.get());
    if (received == AVERROR(EAGAIN)) return std::nullopt;
    check(received, "avcodec_receive_frame");
    if (frame_->format != AV_PIX_FMT_YUV420P) throw std::runtime_error("decoded picture is not 8-bit 4:2:0");
    codec::YuvImage image(SCENEHOST_PIXEL_FORMAT_I420, uint32_t(frame_->width), uint32_t(frame_->height));
    libyuv::I420Copy(frame_->data[0], frame_->linesize[0], frame_->data[1], frame_->linesize[1], frame_->data[2],
                     frame_->linesize[2], image.plane(0).data(), int(image.stride(0)), image.plane(1).data(),
                     int(image.stride(1)), image.plane(2).data(), int(image.stride(2)), frame_->width,
                     frame_->height);
    colour_ = {int(frame_->colorspace), int(frame_->color_primaries), int(frame_->color_trc),
               frame_->color_range == AVCOL_RANGE_JPEG};
    av_frame_unref(frame_.get());
    return image;
}

}  // namespace scenehost::test
