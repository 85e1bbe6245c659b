#pragma once
// A C API over OpenCV's cascade classifiers (Debian: libopencv-dev, cascades from opencv-data), so
// Swift needs no C++ interoperability. Detection only; every measurement on top is Swift.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loaded face and eye cascades (opaque). One detector serves one thread at a time.
typedef struct KitFaceDetector KitFaceDetector;

/// A rectangle in frame pixels.
typedef struct {
    int x, y, width, height;
} KitFaceRect;

/// One face and the eyes found inside its upper half (eyes_found: 0, 1 or 2; with 2, eye[0] is
/// the one further left in the image, which is the subject's right eye).
typedef struct {
    KitFaceRect face;
    int eyes_found;
    KitFaceRect eye[2];
} KitFace;

/// Loads both cascades from their XML files. NULL if either cannot be loaded.
KitFaceDetector *kit_face_detector_create(const char *face_cascade_path, const char *eye_cascade_path);

/// Detects faces no smaller than `min_face` pixels wide in an 8-bit grey image of `width` x
/// `height` (row stride `stride`), at most `capacity` into `faces` (largest first).
/// Returns the number of faces detected (may exceed `capacity`), or -1 on an OpenCV error.
int kit_face_detect(KitFaceDetector *detector, const uint8_t *grey, int width, int height, int stride,
                    int min_face, KitFace *faces, int capacity);

/// Frees the detector.
void kit_face_detector_free(KitFaceDetector *detector);

#ifdef __cplusplus
}
#endif
