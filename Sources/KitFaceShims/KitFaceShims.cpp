#include "KitFaceShims.h"

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <vector>

struct KitFaceDetector {
    cv::CascadeClassifier face;
    cv::CascadeClassifier eye;
};

extern "C" KitFaceDetector *kit_face_detector_create(const char *face_cascade_path, const char *eye_cascade_path) {
    try {
        auto *detector = new KitFaceDetector();
        if (!detector->face.load(face_cascade_path) || !detector->eye.load(eye_cascade_path)) {
            delete detector;
            return nullptr;
        }
        return detector;
    } catch (...) {
        return nullptr;
    }
}

static KitFaceRect kit_rect(const cv::Rect &rect) { return KitFaceRect{rect.x, rect.y, rect.width, rect.height}; }

extern "C" int kit_face_detect(KitFaceDetector *detector, const uint8_t *grey, int width, int height, int stride,
                               int min_face, KitFace *faces, int capacity) {
    try {
        // Wraps the caller's pixels; no copy.
        cv::Mat image(height, width, CV_8UC1, const_cast<uint8_t *>(grey), static_cast<size_t>(stride));
        // Detection runs on a copy scaled so the smallest face of interest is ~40 px wide: the cascade
        // cost falls with the square of the scale, and finer detail does not help finding a face.
        double scale = std::min(1.0, 40.0 / std::max(24, min_face));
        cv::Mat small;
        if (scale < 1.0) {
            cv::resize(image, small, cv::Size(), scale, scale, cv::INTER_AREA);
        } else {
            small = image;
        }
        cv::Mat equalized;
        cv::equalizeHist(small, equalized);
        std::vector<cv::Rect> found;
        int minimum = std::max(24, static_cast<int>(min_face * scale));
        detector->face.detectMultiScale(equalized, found, 1.1, 5, 0, cv::Size(minimum, minimum));
        std::sort(found.begin(), found.end(), [](const cv::Rect &a, const cv::Rect &b) { return a.area() > b.area(); });
        int count = static_cast<int>(found.size());
        for (int index = 0; index < count && index < capacity; ++index) {
            const cv::Rect &small_face = found[static_cast<size_t>(index)];
            cv::Rect face(static_cast<int>(small_face.x / scale), static_cast<int>(small_face.y / scale),
                          static_cast<int>(small_face.width / scale), static_cast<int>(small_face.height / scale));
            face &= cv::Rect(0, 0, width, height);
            KitFace &out = faces[index];
            out = KitFace{};
            out.face = kit_rect(face);
            // Eyes sit in the upper half of the face box; search there at full resolution.
            cv::Rect upper(face.x, face.y + face.height / 8, face.width, face.height / 2);
            upper &= cv::Rect(0, 0, width, height);
            if (upper.width < 8 || upper.height < 8) continue;
            cv::Mat region;
            cv::equalizeHist(image(upper), region);
            std::vector<cv::Rect> eyes;
            int eye_min = std::max(8, face.width / 10);
            detector->eye.detectMultiScale(region, eyes, 1.1, 4, 0, cv::Size(eye_min, eye_min),
                                           cv::Size(face.width / 2, face.width / 2));
            // Keep the two largest, one on each half of the face.
            std::sort(eyes.begin(), eyes.end(), [](const cv::Rect &a, const cv::Rect &b) { return a.area() > b.area(); });
            const cv::Rect *left = nullptr;
            const cv::Rect *right = nullptr;
            for (const cv::Rect &eye : eyes) {
                int centre = eye.x + eye.width / 2;
                if (centre < upper.width / 2) {
                    if (left == nullptr) left = &eye;
                } else if (right == nullptr) {
                    right = &eye;
                }
            }
            int slot = 0;
            for (const cv::Rect *eye : {left, right}) {
                if (eye == nullptr) continue;
                out.eye[slot++] = kit_rect(cv::Rect(eye->x + upper.x, eye->y + upper.y, eye->width, eye->height));
            }
            out.eyes_found = slot;
        }
        return count;
    } catch (...) {
        return -1;
    }
}

extern "C" void kit_face_detector_free(KitFaceDetector *detector) { delete detector; }
