/*  kb_uuid - random UUIDs from libsodium's CSPRNG.

    The random bytes come from a per-thread pool filled 4 KiB at a time:
    one getrandom call per 256 UUIDs instead of one per UUID (a system call
    per message id was a seventh of intake's CPU). A forked child drops the
    pool it inherited, so that it never repeats its parent's ids. */
#include "ketenbus/kb_uuid.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define S_POOL 4096

static __thread uint8_t s_pool[S_POOL];
static __thread size_t s_left;   /* unused bytes at the end of s_pool */
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void
s_forget (void)
{
    s_left = 0;
}

static void
s_register (void)
{
    pthread_atfork (NULL, NULL, s_forget);
}

static void
s_random16 (uint8_t out[16])
{
    pthread_once (&s_once, s_register);
    if (s_left < 16) {
        randombytes_buf (s_pool, sizeof s_pool);
        s_left = sizeof s_pool;
    }
    uint8_t *from = s_pool + sizeof s_pool - s_left;
    memcpy (out, from, 16);
    sodium_memzero (from, 16); /* an id handed out is not kept */
    s_left -= 16;
}

void
kb_uuid_v4 (char out[KB_UUID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    s_random16 (b);
    b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80);
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}
