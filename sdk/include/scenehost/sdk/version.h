/* scenehost SDK version: the one number pair that decides whether a host loads a plugin.
 * Rule: plugin major == host major, plugin minor <= host minor. */
#ifndef SCENEHOST_SDK_VERSION_H
#define SCENEHOST_SDK_VERSION_H

/* Incremented on any incompatible change to a contract header; resets the minor. */
#define SCENEHOST_SDK_VERSION_MAJOR 1
/* Incremented when fields or functions are appended; old plugins keep loading. */
#define SCENEHOST_SDK_VERSION_MINOR 3

#endif /* SCENEHOST_SDK_VERSION_H */
