#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them, so each
// argument type the transport uses gets a typed wrapper.
static inline CURLcode omio_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode omio_curl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode omio_curl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*omio_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode omio_curl_set_write_function(CURL *h, omio_curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}

static inline CURLcode omio_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode omio_curl_get_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode omio_curl_get_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

typedef int (*omio_curl_progress_callback)(void *context, curl_off_t down_total, curl_off_t down_now,
                                           curl_off_t up_total, curl_off_t up_now);
static inline CURLcode omio_curl_set_progress_function(CURL *h, omio_curl_progress_callback f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}
