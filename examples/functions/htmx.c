/* An HTMX fragment renderer (cgi protocol): answers hx-post/hx-get calls
 * with a piece of HTML that htmx swaps into the page. The name comes from
 * the form body (name=...) or the query string; the list has ?count=N items.
 *
 *   <form hx-post="/fn/htmx" hx-target="#out"><input name="name"></form>  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes one application/x-www-form-urlencoded value in place. */
static void url_decode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '+') *o++ = ' ';
        else if (*s == '%' && s[1] && s[2]) {
            char hex[3] = { s[1], s[2], 0 };
            *o++ = (char)strtol(hex, NULL, 16);
            s += 2;
        } else *o++ = *s;
    }
    *o = 0;
}

/* The value of key in a "a=1&b=2" string, copied into out. */
static int form_value(const char *form, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = form; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, klen) || p[klen] != '=') continue;
        const char *v = p + klen + 1;
        size_t n = strcspn(v, "&");
        if (n >= cap) n = cap - 1;
        memcpy(out, v, n);
        out[n] = 0;
        url_decode(out);
        return 1;
    }
    return 0;
}

static void put_html(const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '&': fputs("&amp;", stdout); break;
        case '"': fputs("&quot;", stdout); break;
        case '\'': fputs("&#39;", stdout); break;
        default: putchar(*s);
        }
    }
}

int main(void)
{
    static char body[8192];
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = 0;
    const char *query = getenv("QUERY_STRING");
    char name[256] = "stranger", count_text[16] = "3";
    if (!form_value(body, "name", name, sizeof name)) form_value(query, "name", name, sizeof name);
    form_value(query, "count", count_text, sizeof count_text);
    int count = atoi(count_text);
    if (count < 0) count = 0;
    if (count > 100) count = 100;
    const char *htmx = getenv("HTTP_HX_REQUEST");
    printf("<div id=\"greeting\" class=\"%s\">\n  <p>Hello, ", htmx ? "htmx" : "plain");
    put_html(name);
    printf("!</p>\n  <ul>\n");
    for (int i = 1; i <= count; i++) printf("    <li>item %d</li>\n", i);
    printf("  </ul>\n</div>\n");
    return 0;
}
