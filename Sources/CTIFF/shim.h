#ifndef OMIO_CTIFF_SHIM_H
#define OMIO_CTIFF_SHIM_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>

// Per-handle message log. libtiff hands its handlers a va_list, which Swift cannot format,
// so the formatting lives here. Only the first error is kept (it names the root cause; one
// Pillow fuzz file raises 1,637 follow-ups) and the rest are only counted.
typedef struct {
    char first_error[256];
    unsigned error_count;
    unsigned warning_count;
} omio_tiff_log;

static inline int omio_tiff_error_handler(TIFF *tif, void *user_data, const char *module,
                                          const char *fmt, va_list ap) {
    (void)tif;
    (void)module;
    omio_tiff_log *log = (omio_tiff_log *)user_data;
    if (log == NULL) return 1;
    if (log->error_count == 0) vsnprintf(log->first_error, sizeof log->first_error, fmt, ap);
    log->error_count++;
    return 1; // handled: never reaches the global handler (stderr)
}

static inline int omio_tiff_warning_handler(TIFF *tif, void *user_data, const char *module,
                                            const char *fmt, va_list ap) {
    (void)tif;
    (void)module;
    (void)fmt;
    (void)ap;
    omio_tiff_log *log = (omio_tiff_log *)user_data;
    if (log != NULL) log->warning_count++;
    return 1;
}

// Attach the handlers above to open options; returns the options for chaining.
static inline void omio_tiff_options_attach_log(TIFFOpenOptions *opts, omio_tiff_log *log) {
    TIFFOpenOptionsSetErrorHandlerExtR(opts, omio_tiff_error_handler, log);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, omio_tiff_warning_handler, log);
}

// Messages raised where no handle exists go to the global handlers: silence them once.
static inline void omio_tiff_silence_global_handlers(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

// TIFFSetField/TIFFGetField are variadic; Swift cannot call them. Typed wrappers for writing.
static inline int omio_tiff_set_u16(TIFF *t, uint32_t tag, uint16_t v) { return TIFFSetField(t, tag, v); }
static inline int omio_tiff_set_u32(TIFF *t, uint32_t tag, uint32_t v) { return TIFFSetField(t, tag, v); }
static inline int omio_tiff_set_double(TIFF *t, uint32_t tag, double v) { return TIFFSetField(t, tag, v); }
static inline int omio_tiff_set_string(TIFF *t, uint32_t tag, const char *v) { return TIFFSetField(t, tag, v); }
static inline int omio_tiff_set_jpegcolormode_rgb(TIFF *t) { return TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB); }
#endif
