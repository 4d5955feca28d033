// scenehostctl: the host's control protocol from scripts and AI agents (ctl_cli.hpp).
#include "ctl/ctl_cli.hpp"

#ifndef SCENEHOST_VERSION
#error "SCENEHOST_VERSION must be defined (the project version, e.g. -DSCENEHOST_VERSION=\"0.1.0\")"
#endif

int main(int argc, char **argv) { return scenehost::ctl::run_ctl(argc, argv, SCENEHOST_VERSION); }
