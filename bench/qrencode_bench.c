/* libqrencode side of the QR throughput comparison (bench/qr_vs_libqrencode.sh).
 *
 * Builds the same 10,000 stamp URIs as benches/qr.rs and measures, per code: the matrix
 * (QRcode_encodeString, ECC M, automatic modes), the matrix plus the same run-length SVG path
 * the service writes, and the matrix plus the same 1-bit PNG (4 px per module, 4-module quiet
 * zone, libpng, fastest compression). Prints codes per second as markdown rows.
 *
 *   gcc -O2 -o qrencode_bench bench/qrencode_bench.c -lqrencode -lpng
 */
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 10000
#define QUIET 4
#define PX 4

static const char *ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void uri(int i, char *out) {
  char serial[17];
  unsigned long long v = (unsigned long long)i * 2654435761ULL;
  for (int k = 15; k >= 0; k--) { serial[k] = ALPHABET[v & 31]; v >>= 5; }
  serial[16] = 0;
  sprintf(out, "https://TRACE.EXAMPLE.VN/01/08934588012228/10/MO2026A/21/%s", serial);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t svg(const QRcode *q, char *buf, size_t cap) {
  size_t n = 0;
  int w = q->width;
  for (int y = 0; y < w; y++) {
    int x = 0;
    while (x < w) {
      if (!(q->data[y * w + x] & 1)) { x++; continue; }
      int s = x;
      while (x < w && (q->data[y * w + x] & 1)) x++;
      n += snprintf(buf + n, cap - n, "M%d,%dh%dv1h-%dz", s + QUIET, y + QUIET, x - s, x - s);
    }
  }
  return n;
}

struct mem { unsigned char *p; size_t n, cap; };
static void write_mem(png_structp png, png_bytep data, png_size_t len) {
  struct mem *m = png_get_io_ptr(png);
  if (m->n + len > m->cap) { m->cap = (m->n + len) * 2; m->p = realloc(m->p, m->cap); }
  memcpy(m->p + m->n, data, len);
  m->n += len;
}
static void flush_mem(png_structp png) { (void)png; }

static size_t png1(const QRcode *q, struct mem *m) {
  int side = (q->width + 2 * QUIET) * PX, row_bytes = (side + 7) / 8;
  unsigned char *row = malloc(row_bytes);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  m->n = 0;
  png_set_write_fn(png, m, write_mem, flush_mem);
  png_set_compression_level(png, 1);
  png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < side; y++) {
    memset(row, 0xff, row_bytes);
    int my = y / PX - QUIET;
    for (int x = 0; x < side; x++) {
      int mx = x / PX - QUIET;
      if (mx >= 0 && my >= 0 && mx < q->width && my < q->width && (q->data[my * q->width + mx] & 1))
        row[x / 8] &= ~(0x80 >> (x % 8));
    }
    png_write_row(png, row);
  }
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  free(row);
  return m->n;
}

int main(void) {
  static char uris[N][96];
  for (int i = 0; i < N; i++) uri(i, uris[i]);
  char *buf = malloc(1 << 16);
  struct mem m = {malloc(1 << 16), 0, 1 << 16};
  size_t sink = 0;
  int width = 0;
  for (int mode = 0; mode < 3; mode++) {
    double t0 = now();
    for (int i = 0; i < N; i++) {
      QRcode *q = QRcode_encodeString(uris[i], 0, QR_ECLEVEL_M, QR_MODE_8, 1);
      if (!q) { fprintf(stderr, "encode failed\n"); return 1; }
      width = q->width;
      if (mode == 1) sink += svg(q, buf, 1 << 16);
      if (mode == 2) sink += png1(q, &m);
      QRcode_free(q);
    }
    double dt = now() - t0;
    const char *what[] = {"matrix", "matrix + SVG", "matrix + 1-bit PNG"};
    printf("| libqrencode 4.1 (C, gcc -O2) | %s | %.0f | %.1f |\n", what[mode], N / dt, dt / N * 1e6);
  }
  fprintf(stderr, "libqrencode: %d modules wide; %zu bytes written\n", width, sink);
  return 0;
}
