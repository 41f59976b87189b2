// cflags: -Iinclude
/* A function asking an AI endpoint, through both host modules. The
 * request body is one command:
 *   gojinn PROMPT        Gojinn's host_ask_ai (i64) into a 64 KiB buffer:
 *                        "LENGTH:TEXT" (a failure is its {"error": ...} text)
 *   gojinncut N PROMPT   the same into an N-byte buffer
 *   ask PROMPT           ifrit's ai_ask: its code; on success ai_answer
 *                        asked for the size first (cap 0), then read:
 *                        "CODE SIZECODE/LENGTH READCODE TEXT"
 *   noanswer             ai_answer with nothing held: its code
 *   askbig N C           ai_ask with a prompt of N bytes C: its code
 *   badptr               host_ask_ai with a buffer past the end of memory (traps) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifrit_host.h"

__attribute__((import_module("gojinn"), import_name("host_ask_ai")))
uint64_t host_ask_ai(const char *prompt, uint32_t len, char *out, uint32_t max);

static char body[8192];
static char buf[65536];

static void gojinn(const char *prompt, uint32_t max)
{
    uint64_t n = host_ask_ai(prompt, strlen(prompt), buf, max);
    printf("%llu:%.*s", (unsigned long long)n, (int)(n < max ? n : max), buf);
}

static void ask(const char *prompt)
{
    int32_t e = ifrit_ai_ask(prompt, strlen(prompt));
    printf("%d", e);
    if (e) return;
    uint32_t len = 0;
    int32_t sized = ifrit_ai_answer(NULL, 0, &len);
    char *text = malloc(len + 1);
    int32_t read = ifrit_ai_answer(text, len, &len);
    printf(" %d/%u %d %.*s", sized, len, read, (int)len, text);
}

int main(void)
{
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = '\0';
    char *cmd = strtok(body, " "), *rest = strtok(NULL, "");
    if (!cmd) return 2;
    if (!strcmp(cmd, "gojinn") && rest) {
        gojinn(rest, sizeof buf);
    } else if (!strcmp(cmd, "gojinncut") && rest) {
        char *prompt = strchr(rest, ' ');
        if (!prompt) return 2;
        *prompt++ = '\0';
        gojinn(prompt, (uint32_t)atoi(rest));
    } else if (!strcmp(cmd, "ask") && rest) {
        ask(rest);
    } else if (!strcmp(cmd, "askbig") && rest) {
        char *c = strchr(rest, ' ');
        size_t len = (size_t)atol(rest);
        char *prompt = c ? malloc(len) : NULL;
        if (!prompt) return 2;
        memset(prompt, c[1], len);
        printf("%d", ifrit_ai_ask(prompt, (uint32_t)len));
    } else if (!strcmp(cmd, "badptr")) {
        host_ask_ai("hi", 2, (char *)(uintptr_t)0xFFFFFF00u, 4096);
    } else if (!strcmp(cmd, "noanswer")) {
        uint32_t len = 0;
        printf("%d", ifrit_ai_answer(buf, sizeof buf, &len));
    } else {
        return 2;
    }
    return 0;
}
