/*
 * mask_png.c - see mask_png.h.
 *
 * With filter NONE the data a PNG compresses is, row after row, the filter
 * byte 0 and the row's pixels. The encoder walks that byte stream as runs of
 * equal bytes (a row's filter byte joins a run of zeros around it), a batch
 * of up to RUNS_PER_BLOCK runs at a time, and makes each batch one deflate
 * block: count the symbols the runs become (and add them to the Adler-32),
 * build Huffman codes from the counts, write the symbols. Only distance-1
 * matches are used (what zlib's Z_RLE does), so the distance code is always
 * the same.
 */
#include "io/mask_png.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
    MIN_MATCH = 3,
    MAX_MATCH = 258,
    END_OF_BLOCK = 256,
    MAX_MATCH_SYMBOL = 285,      /* length 258, no extra bits */
    LITLEN_SYMBOLS = 286,        /* 0..255 bytes, 256 end, 257..285 lengths */
    FIXED_LITLEN_SYMBOLS = 288,  /* the fixed code also spends codes on 286, 287 */
    CODELEN_SYMBOLS = 19,
    MAX_LITLEN_BITS = 15,
    MAX_CODELEN_BITS = 7,
    FIXED_DISTANCE_BITS = 5,
    /* The dynamic distance code has two 1-bit codes (symbol 0, distance 1,
     * and a dummy): deflate needs one, decoders want a complete code. */
    DYNAMIC_DISTANCE_BITS = 1,
    IDAT_MAX = 1 << 20,          /* bytes of zlib stream per IDAT chunk */
    RUNS_PER_BLOCK = 1 << 14,    /* 128 KB of runs; zlib's blocks are as long */
};

#define ADLER_MOD 65521u

/* Match lengths 3..258: symbol 257 + i covers length_base[i] plus
 * length_extra[i] extra bits (RFC 1951, 3.2.5). */
static const uint16_t length_base[29] = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                         1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                         4, 4, 4, 4, 5, 5, 5, 5, 0};

static unsigned extra_bits_of(int symbol)
{
    return symbol > END_OF_BLOCK ? length_extra[symbol - 257] : 0;
}

/* ------------------------------------------------------------------------ */
/* Bits out, least significant first (deflate's order)                      */
/* ------------------------------------------------------------------------ */

typedef struct bit_writer {
    uint8_t *out;
    size_t pos;
    uint64_t bits;  /* pending bits, the oldest lowest */
    unsigned count; /* how many; below 32 between calls */
} bit_writer;

/* n <= 32 bits of value (no bits above them set). */
static inline void put_bits(bit_writer *w, uint64_t value, unsigned n)
{
    w->bits |= value << w->count;
    w->count += n;
    if (w->count >= 32) {
        for (int i = 0; i < 4; i++)
            w->out[w->pos + i] = (uint8_t)(w->bits >> (8 * i));
        w->pos += 4;
        w->bits >>= 32;
        w->count -= 32;
    }
}

/* Write what is pending, padded with zero bits to a whole byte. */
static void flush_bits(bit_writer *w)
{
    while (w->count > 0) {
        w->out[w->pos++] = (uint8_t)w->bits;
        w->bits >>= 8;
        w->count = w->count > 8 ? w->count - 8 : 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Huffman codes                                                            */
/* ------------------------------------------------------------------------ */

typedef struct weighted_symbol {
    uint64_t weight;
    int symbol;
} weighted_symbol;

static int by_weight(const void *a, const void *b)
{
    const weighted_symbol *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? -1 : 1;
    return x->symbol - y->symbol;
}

/* Depth of each leaf (sorted by weight) in a Huffman tree, built with the
 * two-queue method: leaves in order, then inner nodes in the order they are
 * made (which is also by weight). Returns the deepest. */
static int huffman_depths(const weighted_symbol *leaves, int n,
                          uint8_t *lengths)
{
    uint64_t weight[2 * LITLEN_SYMBOLS];
    int parent[2 * LITLEN_SYMBOLS];
    uint8_t depth[2 * LITLEN_SYMBOLS];
    for (int i = 0; i < n; i++)
        weight[i] = leaves[i].weight;
    int next_leaf = 0, next_inner = n, end = n;
    while (end < 2 * n - 1) {
        int pick[2];
        for (int k = 0; k < 2; k++) {
            if (next_leaf < n && (next_inner == end ||
                                  weight[next_leaf] <= weight[next_inner]))
                pick[k] = next_leaf++;
            else
                pick[k] = next_inner++;
        }
        weight[end] = weight[pick[0]] + weight[pick[1]];
        parent[pick[0]] = parent[pick[1]] = end;
        end++;
    }
    depth[end - 1] = 0;
    for (int i = end - 2; i >= 0; i--)
        depth[i] = (uint8_t)(depth[parent[i]] + 1);
    int deepest = 0;
    for (int i = 0; i < n; i++) {
        lengths[leaves[i].symbol] = depth[i];
        if (depth[i] > deepest)
            deepest = depth[i];
    }
    return deepest;
}

/* Code lengths, none over max_bits, for symbols 0..n-1 used count[s] times
 * (0: unused, no code). A Huffman code; if it is too deep the counts are
 * flattened and it is built again (rare, and it costs little: the longest
 * codes are the rarest symbols). At least two symbols get a code, a dummy
 * if needed, as zlib does: decoders expect a complete code. */
static void build_code_lengths(const uint64_t *count, int n, int max_bits,
                               uint8_t *lengths)
{
    weighted_symbol leaves[LITLEN_SYMBOLS];
    int used = 0;
    for (int s = 0; s < n; s++)
        if (count[s])
            leaves[used++] = (weighted_symbol){count[s], s};
    for (int s = 0; used < 2; s++)
        if (!count[s])
            leaves[used++] = (weighted_symbol){1, s};
    memset(lengths, 0, (size_t)n);
    for (;;) {
        qsort(leaves, (size_t)used, sizeof(*leaves), by_weight);
        if (huffman_depths(leaves, used, lengths) <= max_bits)
            return;
        for (int i = 0; i < used; i++)
            leaves[i].weight = leaves[i].weight / 2 + 1;
    }
}

/* Canonical codes for the lengths (RFC 1951, 3.2.2), bit-reversed because
 * Huffman codes go out most significant bit first. */
static void assign_codes(const uint8_t *lengths, int n, uint16_t *codes)
{
    unsigned with_length[MAX_LITLEN_BITS + 1] = {0};
    for (int s = 0; s < n; s++)
        with_length[lengths[s]]++;
    with_length[0] = 0;
    unsigned next[MAX_LITLEN_BITS + 1] = {0}, code = 0;
    for (int bits = 1; bits <= MAX_LITLEN_BITS; bits++) {
        code = (code + with_length[bits - 1]) << 1;
        next[bits] = code;
    }
    for (int s = 0; s < n; s++) {
        unsigned len = lengths[s], c = len ? next[len]++ : 0, reversed = 0;
        for (unsigned b = 0; b < len; b++)
            reversed |= ((c >> b) & 1u) << (len - 1 - b);
        codes[s] = (uint16_t)reversed;
    }
}

/* ------------------------------------------------------------------------ */
/* The code-length code of a dynamic block (RFC 1951, 3.2.7)                */
/* ------------------------------------------------------------------------ */

typedef struct codelen_token {
    uint8_t symbol; /* 0..15 a length; 16 repeat, 17 and 18 zeros */
    uint8_t extra;  /* the repeat count's extra bits */
} codelen_token;

static const uint8_t codelen_extra_bits[CODELEN_SYMBOLS] = {
    [16] = 2, [17] = 3, [18] = 7};
static const uint8_t codelen_order[CODELEN_SYMBOLS] = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

/* Run-length code the n lengths into tokens; returns how many (<= n). */
static int tokenize_lengths(const uint8_t *lengths, int n,
                            codelen_token *tokens)
{
    int t = 0;
    for (int i = 0; i < n;) {
        uint8_t len = lengths[i];
        int run = 1;
        while (i + run < n && lengths[i + run] == len)
            run++;
        i += run;
        if (len == 0) {
            for (; run >= 11; run -= run < 138 ? run : 138)
                tokens[t++] = (codelen_token){18, (uint8_t)((run < 138 ? run : 138) - 11)};
            if (run >= 3) {
                tokens[t++] = (codelen_token){17, (uint8_t)(run - 3)};
                run = 0;
            }
        } else {
            tokens[t++] = (codelen_token){len, 0};
            for (run--; run >= 3; run -= run < 6 ? run : 6)
                tokens[t++] = (codelen_token){16, (uint8_t)((run < 6 ? run : 6) - 3)};
        }
        for (; run > 0; run--)
            tokens[t++] = (codelen_token){len, 0};
    }
    return t;
}

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */
/* ------------------------------------------------------------------------ */

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* How many of the len bytes at p equal p[0] before the first that does not:
 * 32 bytes a step through long runs, then 8 to find the end. */
static inline size_t run_length(const uint8_t *p, size_t len)
{
    const uint64_t pattern = 0x0101010101010101ull * p[0];
    size_t i = 1;
    while (i + 32 <= len &&
           ((load_le64(p + i) ^ pattern) | (load_le64(p + i + 8) ^ pattern) |
            (load_le64(p + i + 16) ^ pattern) |
            (load_le64(p + i + 24) ^ pattern)) == 0)
        i += 32;
    for (; i + 8 <= len; i += 8) {
        uint64_t differ = load_le64(p + i) ^ pattern;
        if (differ)
            return i + (size_t)__builtin_ctzll(differ) / 8;
    }
    while (i < len && p[i] == p[0])
        i++;
    return i;
}

/* A run: the byte value in the top 8 bits, the count (>= 1) below (a run
 * is never longer than the image in memory, far below 2^56 bytes). */
typedef uint64_t run;
#define RUN_COUNT_MASK ((UINT64_C(1) << 56) - 1)

static inline run make_run(unsigned value, uint64_t count)
{
    return (uint64_t)value << 56 | count;
}

/* Where the walk over the filtered byte stream is: row y, position x in
 * it (0 the filter byte, then the pixels) and the run not yet ended. */
typedef struct run_scanner {
    const uint8_t *data;
    size_t width;
    int height;
    ptrdiff_t stride;
    int y;
    size_t x;
    unsigned value;
    uint64_t count;
} run_scanner;

static int scanner_done(const run_scanner *s)
{
    return s->y == s->height && s->count == 0;
}

/* The next up to max maximal runs into runs; returns how many. */
static size_t collect_runs(run_scanner *s, run *runs, size_t max)
{
    size_t n = 0;
    for (; s->y < s->height; s->y++, s->x = 0) {
        const uint8_t *row = s->data + (ptrdiff_t)s->y * s->stride;
        while (s->x <= s->width) {
            unsigned value = 0; /* the filter byte */
            size_t length = 1;
            if (s->x > 0) {
                value = row[s->x - 1];
                length = run_length(row + s->x - 1, s->width - (s->x - 1));
            }
            if (value == s->value) {
                s->count += length;
            } else {
                if (n == max)
                    return n;
                runs[n++] = make_run(s->value, s->count);
                s->value = value;
                s->count = length;
            }
            s->x += length;
        }
    }
    if (s->count > 0 && n < max) {
        runs[n++] = make_run(s->value, s->count);
        s->count = 0;
    }
    return n;
}

/* The symbols a run of count equal bytes becomes: one literal (the byte
 * before differs, so nothing can be copied), then matches at distance 1 of
 * at most 258 bytes. A match is 3 bytes or more: 1 or 2 bytes left over are
 * literals, and 259 or 260 bytes split as 256 + 3 or 257 + 3. Most runs in
 * a mask are shorter than 260 and take the first branch. */
typedef struct run_plan {
    uint64_t full_matches; /* of 258 */
    unsigned tail_match[2]; /* 0: none */
    unsigned extra_literals;
} run_plan;

static run_plan plan_long_run(uint64_t count)
{
    run_plan plan = {0};
    uint64_t rest = count - 1;
    if (rest >= MAX_MATCH + MIN_MATCH) {
        plan.full_matches = (rest - MIN_MATCH) / MAX_MATCH;
        rest -= plan.full_matches * MAX_MATCH; /* now 3..260 */
    }
    if (rest > MAX_MATCH) {
        plan.tail_match[0] = (unsigned)rest - MIN_MATCH;
        plan.tail_match[1] = MIN_MATCH;
    } else if (rest >= MIN_MATCH) {
        plan.tail_match[0] = (unsigned)rest;
    } else {
        plan.extra_literals = (unsigned)rest;
    }
    return plan;
}

/* Everything the header of a dynamic block needs. */
typedef struct dynamic_header {
    uint8_t litlen_lengths[LITLEN_SYMBOLS];
    int litlen_used;                /* HLIT + 257 */
    codelen_token tokens[LITLEN_SYMBOLS + 2];
    int token_count;
    uint8_t codelen_lengths[CODELEN_SYMBOLS];
    uint16_t codelen_codes[CODELEN_SYMBOLS];
    int codelen_used;               /* HCLEN + 4 */
    uint64_t bits;
} dynamic_header;

typedef struct run_encoder {
    uint8_t length_symbol[MAX_MATCH + 1]; /* match length -> symbol - 257 */
    /* Counting. */
    uint64_t symbol_count[LITLEN_SYMBOLS];
    uint32_t adler_a;
    uint64_t adler_b; /* reduced once per block */
    /* Writing. */
    bit_writer out;
    size_t capacity;
    uint16_t code[FIXED_LITLEN_SYMBOLS];
    uint8_t code_bits[FIXED_LITLEN_SYMBOLS];
    unsigned distance_bits;           /* the distance-1 code: zero bits */
    uint32_t match_code[MAX_MATCH + 1]; /* length, extra bits, distance */
    uint8_t match_bits[MAX_MATCH + 1];
    dynamic_header header;
    run runs[RUNS_PER_BLOCK];
} run_encoder;

/* Adler-32 over count bytes of value in closed form: a gains count * value
 * and b gains a at each byte, i.e. count * a + value * count (count + 1) / 2.
 * For a run shorter than the modulus nothing needs reducing but a: b grows
 * by less than 2^40 per run and is reduced at the end of each block. */
static inline void adler_add_run(run_encoder *e, unsigned value,
                                 uint64_t count)
{
    if (count < ADLER_MOD) {
        e->adler_b += count * e->adler_a + value * (count * (count + 1) / 2);
        e->adler_a = (uint32_t)((e->adler_a + count * value) % ADLER_MOD);
        return;
    }
    uint64_t n = count % ADLER_MOD;
    uint64_t triangle = count % 2 == 0
        ? (count / 2 % ADLER_MOD) * ((count + 1) % ADLER_MOD)
        : n * ((count + 1) / 2 % ADLER_MOD);
    e->adler_b += n * e->adler_a + value * (triangle % ADLER_MOD);
    e->adler_a = (uint32_t)((e->adler_a + n * value) % ADLER_MOD);
}

static void count_runs(run_encoder *e, const run *runs, size_t n)
{
    memset(e->symbol_count, 0, sizeof(e->symbol_count));
    e->symbol_count[END_OF_BLOCK] = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned value = (unsigned)(runs[i] >> 56);
        uint64_t count = runs[i] & RUN_COUNT_MASK;
        adler_add_run(e, value, count);
        e->symbol_count[value]++;
        if (count - 1 < MIN_MATCH) {
            e->symbol_count[value] += count - 1;
        } else if (count - 1 <= MAX_MATCH) {
            e->symbol_count[257 + e->length_symbol[count - 1]]++;
        } else {
            run_plan plan = plan_long_run(count);
            e->symbol_count[value] += plan.extra_literals;
            e->symbol_count[MAX_MATCH_SYMBOL] += plan.full_matches;
            for (int k = 0; k < 2; k++)
                if (plan.tail_match[k])
                    e->symbol_count[257 + e->length_symbol[plan.tail_match[k]]]++;
        }
    }
    e->adler_b %= ADLER_MOD;
}

static inline void put_symbol(run_encoder *e, unsigned symbol)
{
    put_bits(&e->out, e->code[symbol], e->code_bits[symbol]);
}

static inline void put_match(run_encoder *e, unsigned length)
{
    put_bits(&e->out, e->match_code[length], e->match_bits[length]);
}

static void write_runs(run_encoder *e, const run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned value = (unsigned)(runs[i] >> 56);
        uint64_t count = runs[i] & RUN_COUNT_MASK;
        put_symbol(e, value);
        if (count - 1 < MIN_MATCH) {
            for (uint64_t k = 1; k < count; k++)
                put_symbol(e, value);
        } else if (count - 1 <= MAX_MATCH) {
            put_match(e, (unsigned)count - 1);
        } else {
            run_plan plan = plan_long_run(count);
            for (uint64_t k = 0; k < plan.full_matches; k++)
                put_match(e, MAX_MATCH);
            for (int k = 0; k < 2; k++)
                if (plan.tail_match[k])
                    put_match(e, plan.tail_match[k]);
            for (unsigned k = 0; k < plan.extra_literals; k++)
                put_symbol(e, value);
        }
    }
    put_symbol(e, END_OF_BLOCK);
}

/* ------------------------------------------------------------------------ */
/* Deflate blocks                                                           */
/* ------------------------------------------------------------------------ */

/* Bits the counted symbols take with these code lengths, extra bits
 * included. */
static uint64_t symbol_bits(const run_encoder *e, const uint8_t *lengths,
                            unsigned distance_bits)
{
    uint64_t bits = 0;
    for (int s = 0; s < LITLEN_SYMBOLS; s++) {
        uint64_t per_symbol = lengths[s] + extra_bits_of(s);
        if (s > END_OF_BLOCK)
            per_symbol += distance_bits;
        bits += e->symbol_count[s] * per_symbol;
    }
    return bits;
}

static void plan_dynamic_header(const run_encoder *e, dynamic_header *h)
{
    build_code_lengths(e->symbol_count, LITLEN_SYMBOLS, MAX_LITLEN_BITS,
                       h->litlen_lengths);
    h->litlen_used = LITLEN_SYMBOLS;
    while (h->litlen_lengths[h->litlen_used - 1] == 0)
        h->litlen_used--;
    /* The code lengths of both codes are coded as one sequence. */
    uint8_t all[LITLEN_SYMBOLS + 2];
    memcpy(all, h->litlen_lengths, (size_t)h->litlen_used);
    all[h->litlen_used] = all[h->litlen_used + 1] = DYNAMIC_DISTANCE_BITS;
    h->token_count = tokenize_lengths(all, h->litlen_used + 2, h->tokens);
    uint64_t token_count[CODELEN_SYMBOLS] = {0};
    for (int i = 0; i < h->token_count; i++)
        token_count[h->tokens[i].symbol]++;
    build_code_lengths(token_count, CODELEN_SYMBOLS, MAX_CODELEN_BITS,
                       h->codelen_lengths);
    assign_codes(h->codelen_lengths, CODELEN_SYMBOLS, h->codelen_codes);
    h->codelen_used = CODELEN_SYMBOLS;
    while (h->codelen_used > 4 &&
           h->codelen_lengths[codelen_order[h->codelen_used - 1]] == 0)
        h->codelen_used--;
    h->bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)h->codelen_used;
    for (int i = 0; i < h->token_count; i++) {
        int s = h->tokens[i].symbol;
        h->bits += h->codelen_lengths[s] + codelen_extra_bits[s];
    }
}

static void write_dynamic_header(bit_writer *w, const dynamic_header *h,
                                 int last)
{
    put_bits(w, (uint64_t)last, 1);
    put_bits(w, 2, 2); /* dynamic Huffman codes */
    put_bits(w, (uint64_t)h->litlen_used - 257, 5);
    put_bits(w, 2 - 1, 5); /* two distance codes */
    put_bits(w, (uint64_t)h->codelen_used - 4, 4);
    for (int i = 0; i < h->codelen_used; i++)
        put_bits(w, h->codelen_lengths[codelen_order[i]], 3);
    for (int i = 0; i < h->token_count; i++) {
        int s = h->tokens[i].symbol;
        put_bits(w, h->codelen_codes[s], h->codelen_lengths[s]);
        put_bits(w, h->tokens[i].extra, codelen_extra_bits[s]);
    }
}

static void fixed_lengths(uint8_t *lengths)
{
    for (int s = 0; s < FIXED_LITLEN_SYMBOLS; s++)
        lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
}

/* Room for bytes more output (and the 4-byte stores of put_bits). */
static int reserve(run_encoder *e, uint64_t bytes)
{
    if (bytes > SIZE_MAX / 2 - e->out.pos - 16)
        return -1;
    size_t need = e->out.pos + (size_t)bytes + 16;
    if (need <= e->capacity)
        return 0;
    size_t capacity = e->capacity * 2 > need ? e->capacity * 2 : need;
    uint8_t *grown = realloc(e->out.out, capacity);
    if (!grown)
        return -1;
    e->out.out = grown;
    e->capacity = capacity;
    return 0;
}

/* One deflate block for the n runs: codes fitted to them, or the fixed
 * codes when those come out smaller (tiny images). */
static int write_block(run_encoder *e, const run *runs, size_t n, int last)
{
    count_runs(e, runs, n);
    dynamic_header *h = &e->header;
    plan_dynamic_header(e, h);
    uint64_t dynamic_bits =
        h->bits + symbol_bits(e, h->litlen_lengths, DYNAMIC_DISTANCE_BITS);
    uint8_t fixed[FIXED_LITLEN_SYMBOLS];
    fixed_lengths(fixed);
    uint64_t fixed_bits = 3 + symbol_bits(e, fixed, FIXED_DISTANCE_BITS);
    int use_fixed = fixed_bits <= dynamic_bits;
    if (reserve(e, (use_fixed ? fixed_bits : dynamic_bits) / 8 + 1) < 0)
        return -1;
    memset(e->code_bits, 0, sizeof(e->code_bits));
    if (use_fixed) {
        put_bits(&e->out, (uint64_t)last, 1);
        put_bits(&e->out, 1, 2); /* fixed Huffman codes */
        memcpy(e->code_bits, fixed, sizeof(fixed));
        e->distance_bits = FIXED_DISTANCE_BITS;
    } else {
        write_dynamic_header(&e->out, h, last);
        memcpy(e->code_bits, h->litlen_lengths, sizeof(h->litlen_lengths));
        e->distance_bits = DYNAMIC_DISTANCE_BITS;
    }
    assign_codes(e->code_bits, FIXED_LITLEN_SYMBOLS, e->code);
    for (unsigned length = MIN_MATCH; length <= MAX_MATCH; length++) {
        unsigned i = e->length_symbol[length], symbol = 257 + i;
        e->match_code[length] = e->code[symbol] |
            (uint32_t)(length - length_base[i]) << e->code_bits[symbol];
        e->match_bits[length] = (uint8_t)(e->code_bits[symbol] +
                                          length_extra[i] + e->distance_bits);
    }
    write_runs(e, runs, n);
    return 0;
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The zlib stream (RFC 1950) of the filtered image, malloc'd; NULL without
 * memory. Runs are gathered RUNS_PER_BLOCK at a time, each batch one block:
 * memory stays bounded and the codes follow the image (zlib makes a block
 * every 16 K symbols too). */
static uint8_t *encode_zlib(const uint8_t *data, int width, int height,
                            ptrdiff_t stride, size_t *size)
{
    run_encoder *e = malloc(sizeof(*e));
    if (!e)
        return NULL;
    for (unsigned length = MIN_MATCH, i = 0; length <= MAX_MATCH; length++) {
        while (i + 1 < 29 && length_base[i + 1] <= length)
            i++;
        e->length_symbol[length] = (uint8_t)i;
    }
    e->adler_a = 1;
    e->adler_b = 0;
    e->capacity = 4096;
    e->out = (bit_writer){.out = malloc(e->capacity), .pos = 2};
    int failed = !e->out.out;
    if (!failed) {
        e->out.out[0] = 0x78; /* deflate, 32 KB window */
        e->out.out[1] = 0x01; /* fastest level; header check bits */
    }
    run_scanner scan = {.data = data, .width = (size_t)width,
                        .height = height, .stride = stride};
    while (!failed && !scanner_done(&scan)) {
        size_t n = collect_runs(&scan, e->runs, RUNS_PER_BLOCK);
        failed = write_block(e, e->runs, n, scanner_done(&scan)) < 0;
    }
    uint8_t *out = e->out.out;
    if (!failed) {
        flush_bits(&e->out);
        store_be32(out + e->out.pos, (uint32_t)e->adler_b << 16 | e->adler_a);
        *size = e->out.pos + 4;
    } else {
        free(out);
        out = NULL;
    }
    free(e);
    return out;
}

/* ------------------------------------------------------------------------ */
/* The PNG file                                                             */
/* ------------------------------------------------------------------------ */

/* Length, type, data and CRC-32 (of type and data) at p; returns the end. */
static uint8_t *put_chunk(uint8_t *p, const char *type, const uint8_t *data,
                          size_t size)
{
    store_be32(p, (uint32_t)size);
    memcpy(p + 4, type, 4);
    if (size)
        memcpy(p + 8, data, size);
    store_be32(p + 8 + size, (uint32_t)crc32(0, p + 4, (uInt)(4 + size)));
    return p + 12 + size;
}

int mask_png_encode(const uint8_t *data, int width, int height,
                    ptrdiff_t stride, uint8_t **png, size_t *png_size)
{
    *png = NULL;
    *png_size = 0;
    if (!data || width <= 0 || height <= 0 || stride < width) {
        errno = EINVAL;
        return -1;
    }
    size_t zlib_size = 0;
    uint8_t *zlib = encode_zlib(data, width, height, stride, &zlib_size);
    size_t idat_count = (zlib_size + IDAT_MAX - 1) / IDAT_MAX;
    size_t size = 8 + (12 + 13) + 12 * idat_count + zlib_size + 12;
    uint8_t *out = zlib ? malloc(size) : NULL;
    if (!out) {
        free(zlib);
        errno = ENOMEM;
        return -1;
    }
    static const uint8_t signature[8] = {137, 'P', 'N', 'G', '\r', '\n', 26, '\n'};
    uint8_t header[13] = {0};
    store_be32(header, (uint32_t)width);
    store_be32(header + 4, (uint32_t)height);
    header[8] = 8; /* bits per sample; then gray, deflate, filter set 0,
                      not interlaced: all 0 */
    memcpy(out, signature, 8);
    uint8_t *p = put_chunk(out + 8, "IHDR", header, sizeof(header));
    for (size_t at = 0; at < zlib_size; at += IDAT_MAX)
        p = put_chunk(p, "IDAT", zlib + at,
                      zlib_size - at < IDAT_MAX ? zlib_size - at : IDAT_MAX);
    put_chunk(p, "IEND", NULL, 0);
    free(zlib);
    *png = out;
    *png_size = size;
    return 0;
}
