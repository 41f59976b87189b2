/* json protocol guest: answers 201 with an X-Method header and the whole
 * request document as the body. With "bad" in the URI it breaks the
 * contract (prints text); with "badstatus" it sends a string status. */
#include <stdio.h>
#include <string.h>

static void put_json_string(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

int main(void)
{
    static char in[1 << 20];
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = 0;
    if (strstr(in, "\"uri\":\"/json/badstatus")) {
        printf("{\"status\":\"200\",\"body\":\"x\"}");
        return 0;
    }
    if (strstr(in, "\"uri\":\"/json/bad")) {
        printf("this is not json");
        return 0;
    }
    const char *m = strstr(in, "\"method\":\"");
    char method[16] = "?";
    if (m) sscanf(m + 10, "%15[A-Z]", method);
    printf("{\"status\":201,\"headers\":{\"X-Method\":[\"%s\"],\"Content-Type\":[\"text/plain\"]},\"body\":", method);
    put_json_string(in, n);
    printf("}");
    return 0;
}
