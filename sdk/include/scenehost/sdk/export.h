/* Linkage macros for the symbols a plugin exports to the host. */
#ifndef SCENEHOST_SDK_EXPORT_H
#define SCENEHOST_SDK_EXPORT_H

/* Gives a plugin symbol default visibility; plugins are built with -fvisibility=hidden. */
#define SCENEHOST_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
/* Opens and closes a C-linkage block in headers shared by C and C++. */
#define SCENEHOST_EXTERN_C_BEGIN extern "C" {
#define SCENEHOST_EXTERN_C_END }
#else
#define SCENEHOST_EXTERN_C_BEGIN
#define SCENEHOST_EXTERN_C_END
#endif

#endif /* SCENEHOST_SDK_EXPORT_H */
