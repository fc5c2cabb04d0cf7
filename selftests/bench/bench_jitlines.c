// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_jitlines - where a loaded BPF program's time goes, by source
 * line: reads `perf script -F ip,sym,symoff` lines of a profile (the
 * field "bpf_prog_TAG_FUNC+0xOFF"), maps each JIT offset to the source line
 * the program's line info gives it, and prints the samples per line,
 * most first, with each function's share. For hosts whose bpftool and
 * perf cannot disassemble BPF (Debian's: no libbfd), where `perf
 * annotate` of a BPF program fails.
 *
 *   perf record -e cpu-clock -a -o P -- sleep 3     (while the traffic runs)
 *   perf script -i P -F ip,sym,symoff | bench_jitlines [PROG_ID]
 *
 * PROG_ID: the program whose functions the samples are in, still loaded
 * (another load may be another build, or the same object laid out
 * otherwise: samples whose function's tag is not this program's are left
 * out and counted); default: the first loaded program named ts_xdp.
 * Needs the kernel's addresses (root; kernel.kptr_restrict below 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_FUNCS 64

struct prog_lines {
	__u32 nfuncs, nlines;
	__u64 ksym[MAX_FUNCS];
	char name[MAX_FUNCS][64];
	char tag[MAX_FUNCS][2 * BPF_TAG_SIZE + 1];   /* each function's, in hex, as its symbol has it */
	struct bpf_line_info *li;
	__u64 *jli;                 /* the JIT address of each line_info entry */
	struct btf *btf;
	unsigned long *samples;     /* per line_info entry */
	unsigned long func_samples[MAX_FUNCS], unknown, other_build;
};

static int first_named(const char *want)
{
	__u32 id = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, want))
			return fd;
		close(fd);
	}
	return -1;
}

static int load_lines(int fd, struct prog_lines *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nfi;
	struct bpf_func_info *fi;
	__u8 tags[MAX_FUNCS][BPF_TAG_SIZE];

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	if (info.nr_jited_ksyms > MAX_FUNCS || info.nr_func_info != info.nr_jited_ksyms ||
	    info.nr_prog_tags != info.nr_jited_ksyms ||
	    info.nr_line_info != info.nr_jited_line_info || !info.nr_line_info) {
		fprintf(stderr, "bench_jitlines: the program has no line info matching its JIT image\n");
		return -1;
	}
	p->nfuncs = info.nr_jited_ksyms;
	p->nlines = info.nr_line_info;
	nfi = info.nr_func_info;
	p->li = calloc(p->nlines, sizeof(*p->li));
	p->jli = calloc(p->nlines, sizeof(*p->jli));
	p->samples = calloc(p->nlines, sizeof(*p->samples));
	fi = calloc(nfi, sizeof(*fi));
	if (!p->li || !p->jli || !p->samples || !fi)
		return -1;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = p->nlines;
	info.line_info_rec_size = sizeof(*p->li);
	info.line_info = (__u64)(unsigned long)p->li;
	info.nr_jited_line_info = p->nlines;
	info.jited_line_info_rec_size = sizeof(*p->jli);
	info.jited_line_info = (__u64)(unsigned long)p->jli;
	info.nr_jited_ksyms = p->nfuncs;
	info.jited_ksyms = (__u64)(unsigned long)p->ksym;
	info.nr_func_info = nfi;
	info.func_info_rec_size = sizeof(*fi);
	info.func_info = (__u64)(unsigned long)fi;
	info.nr_prog_tags = p->nfuncs;
	info.prog_tags = (__u64)(unsigned long)tags;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	if (!p->ksym[0] || !p->jli[0]) {   /* kernel.kptr_restrict hides them: all zero */
		fprintf(stderr, "bench_jitlines: the kernel gave no JIT addresses (root, and kernel.kptr_restrict below 2)\n");
		return -1;
	}
	p->btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!p->btf)
		return -1;
	for (__u32 k = 0; k < p->nfuncs; k++) {
		const struct btf_type *t = btf__type_by_id(p->btf, fi[k].type_id);

		snprintf(p->name[k], sizeof(p->name[k]), "%s", t ? btf__name_by_offset(p->btf, t->name_off) : "?");
		for (int b = 0; b < BPF_TAG_SIZE; b++)
			snprintf(p->tag[k] + 2 * b, 3, "%02x", tags[k][b]);
	}
	free(fi);
	return 0;
}

/* Count one sample at "bpf_prog_TAG_FUNC+0xOFF" (other symbols and
 * programs: ignored; an offset before the function's first line: not
 * placed). */
static void count(struct prog_lines *p, const char *sym)
{
	const char *plus = strrchr(sym, '+');
	unsigned long long off;
	__u64 addr;
	int f = -1, best = -1;

	if (strncmp(sym, "bpf_prog_", 9) || !plus)
		return;
	off = strtoull(plus + 1, NULL, 16);
	for (__u32 k = 0; k < p->nfuncs; k++) {
		size_t n = strlen(p->name[k]);

		/* bpf_prog_ + 16 hex digits of tag + _ + name */
		if ((size_t)(plus - sym) == 26 + n && !strncmp(sym + 26, p->name[k], n))
			f = k;
	}
	if (f < 0)   /* another program's */
		return;
	if (strncmp(sym + 9, p->tag[f], 2 * BPF_TAG_SIZE)) {   /* another build's code */
		p->other_build++;
		return;
	}
	p->func_samples[f]++;
	addr = p->ksym[f] + off;
	for (__u32 i = 0; i < p->nlines; i++)
		if (p->jli[i] >= p->ksym[f] && p->jli[i] <= addr && (best < 0 || p->jli[i] > p->jli[best]))
			best = i;
	if (best >= 0)
		p->samples[best]++;
	else
		p->unknown++;
}

struct line_total {
	const char *file, *text;
	__u32 line;
	unsigned long n;
};

static int by_samples(const void *a, const void *b)
{
	const struct line_total *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct prog_lines p = {};
	struct line_total *t;
	unsigned long total = 0;
	char buf[512];
	size_t nt = 0;
	int fd = argc > 1 ? bpf_prog_get_fd_by_id(strtoul(argv[1], NULL, 0)) : first_named("ts_xdp");

	if (fd < 0 || load_lines(fd, &p)) {
		fprintf(stderr, "bench_jitlines: no such program, or no line info (argument: a program id; "
			"default: the first ts_xdp loaded)\n");
		return 1;
	}
	while (fgets(buf, sizeof(buf), stdin)) {
		for (char *f = strtok(buf, " \t\n"); f; f = strtok(NULL, " \t\n"))
			count(&p, f);
	}
	/* one total per source line (a line has several line_info entries) */
	t = calloc(p.nlines, sizeof(*t));
	if (!t)
		return 1;
	for (__u32 i = 0; i < p.nlines; i++) {
		const char *file = btf__name_by_offset(p.btf, p.li[i].file_name_off);
		__u32 line = BPF_LINE_INFO_LINE_NUM(p.li[i].line_col);
		size_t j;

		if (!p.samples[i])
			continue;
		for (j = 0; j < nt; j++)
			if (t[j].line == line && !strcmp(t[j].file, file))
				break;
		if (j == nt)
			t[nt++] = (struct line_total){ file, btf__name_by_offset(p.btf, p.li[i].line_off), line, 0 };
		t[j].n += p.samples[i];
	}
	qsort(t, nt, sizeof(*t), by_samples);
	for (__u32 k = 0; k < p.nfuncs; k++)
		total += p.func_samples[k];
	if (!total) {
		fprintf(stderr, "bench_jitlines: no sample is in the program's functions\n");
		return 1;
	}
	if (p.other_build)
		fprintf(stderr, "bench_jitlines: %lu samples are of functions whose tag differs from the "
			"loaded program's: another build, left out\n", p.other_build);
	printf("# %lu samples in the program's functions (%lu before any line), shares of them:\n", total,
	       p.unknown);
	for (__u32 k = 0; k < p.nfuncs; k++)
		if (p.func_samples[k])
			printf("#   %-24s %5.1f%%\n", p.name[k], 100.0 * p.func_samples[k] / total);
	for (size_t j = 0; j < nt && j < 40; j++) {
		const char *base = strrchr(t[j].file, '/');

		printf("%5.1f%%  %s:%u: %s\n", 100.0 * t[j].n / total, base ? base + 1 : t[j].file, t[j].line,
		       t[j].text ? t[j].text + strspn(t[j].text, " \t") : "");
	}
	return 0;
}
