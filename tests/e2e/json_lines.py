#!/usr/bin/python3
"""json_lines.py — checks pipe-run --print output read from stdin.

Every line must be one JSON object {"stream", "timestamp_us", "detections"}
with increasing integer timestamps, and every detection must have a score,
a label, a box {xmin, ymin, width, height} and keypoints [[x, y], ...].
Prints one summary line for the C test:

    lines N detections M with_faces K first_box XMIN YMIN WIDTH HEIGHT SCORE

(first_box: the first detection seen, or -1 values). Exit status 1 with
the reason on stderr when a line does not follow the format.
"""
import json
import sys


def check_detection(d):
    assert isinstance(d["score"], (int, float)), "score"
    assert isinstance(d["label"], str), "label"
    box = d["box"]
    for k in ("xmin", "ymin", "width", "height"):
        assert isinstance(box[k], (int, float)), "box." + k
    for kp in d["keypoints"]:
        assert len(kp) == 2 and all(isinstance(v, (int, float)) for v in kp)
    return [box["xmin"], box["ymin"], box["width"], box["height"], d["score"]]


def main():
    lines = detections = with_faces = 0
    first = [-1] * 5
    last_ts = None
    for n, text in enumerate(sys.stdin, 1):
        try:
            obj = json.loads(text)
            assert set(obj) == {"stream", "timestamp_us", "detections"}, \
                "keys %s" % sorted(obj)
            ts = obj["timestamp_us"]
            assert isinstance(ts, int), "timestamp_us"
            assert last_ts is None or ts > last_ts, "timestamps increase"
            last_ts = ts
            with_faces += len(obj["detections"]) > 0
            for d in obj["detections"]:
                box = check_detection(d)
                if first[0] == -1:
                    first = box
                detections += 1
        except (AssertionError, KeyError, TypeError, ValueError) as e:
            print("line %d: %s: %s" % (n, e, text.strip()), file=sys.stderr)
            return 1
        lines += 1
    print("lines %d detections %d with_faces %d first_box %s"
          % (lines, detections, with_faces,
             " ".join("%.6f" % v for v in first)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
