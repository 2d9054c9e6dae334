/* face_reference.c — writes the raw outputs to temporary files, runs the
 * NumPy reference with /usr/bin/python3 and parses its lines. */
#include "face_reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int dump(char *path, const float *v, size_t n) {
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f)
    return -1;
  size_t k = fwrite(v, sizeof *v, n, f);
  fclose(f);
  return k == n ? 0 : -1;
}

int ref_faces(const float *boxes, const float *logits, const float pad[4],
              int w, int h, ref_face *out) {
  char bpath[] = "/tmp/ep-ref-boxes-XXXXXX",
       spath[] = "/tmp/ep-ref-scores-XXXXXX";
  char cmd[8192];
  const char *root = getenv("EP_SOURCE_ROOT");
  int n = -1;
  if (dump(bpath, boxes, 896 * 16) || dump(spath, logits, 896))
    goto done;
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 '%s/tests/tools/face_reference.py' %s %s "
           "%.9g %.9g %.9g %.9g %d %d",
           root ? root : ".", bpath, spath, (double)pad[0], (double)pad[1],
           (double)pad[2], (double)pad[3], w, h);
  FILE *p = popen(cmd, "r");
  if (!p)
    goto done;
  n = 0;
  ref_face f;
  while (n < REF_MAX_FACES &&
         fscanf(p, "%lf %lf %lf %lf %lf", &f.score, &f.box[0], &f.box[1],
                &f.box[2], &f.box[3]) == 5) {
    for (int k = 0; k < 6; k++)
      if (fscanf(p, "%lf %lf", &f.kp[k][0], &f.kp[k][1]) != 2)
        n = -1;
    if (n < 0)
      break;
    out[n++] = f;
  }
  if (pclose(p) != 0)
    n = -1;
done:
  unlink(bpath);
  unlink(spath);
  return n;
}
