// An X display for Qt's offscreen platform, which makes its GL contexts through GLX
// (design.md, "Headless"): the one in $DISPLAY, a named one, or a private Xvfb the host starts
// on a free display number and stops when it exits.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

namespace scenehost::render {

class Display {
public:
    // mode "auto": $DISPLAY when set, else a private Xvfb; "xvfb": always a private Xvfb;
    // ":N" (or "host:N"): that display. Throws std::runtime_error saying what failed and what
    // to install or configure.
    static Display acquire(std::string_view mode);

    Display(Display &&other) noexcept;
    Display &operator=(Display &&) = delete;
    Display(const Display &) = delete;
    ~Display();  // stops the private Xvfb, if any

    const std::string &name() const { return name_; }  // e.g. ":7"
    bool is_private() const { return xvfb_pid_ > 0; }

private:
    Display(std::string name, pid_t xvfb_pid) : name_(std::move(name)), xvfb_pid_(xvfb_pid) {}
    static Display start_xvfb();

    std::string name_;
    pid_t xvfb_pid_ = -1;
};

}  // namespace scenehost::render
