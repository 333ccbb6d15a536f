// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpize: run an unmodified program over XTCP.
 *
 *   xtcpize run [-p PORTS] [-a ADDRS] [-f] [-d] [--] CMD [ARGS...]
 *
 * Puts libxtcpize.so (at $XTCPIZE_LIB, next to this program, or in
 * ../lib/xtcp/ beside its directory, /usr/lib/xtcp/ when installed) in
 * front of LD_PRELOAD and executes CMD. In CMD, socket(AF_INET,
 * SOCK_STREAM, 0 or IPPROTO_TCP) creates an AF_XTCP socket; everything else
 * (addresses, options, poll/epoll, accept) is unchanged because XTCP speaks
 * sockaddr_in and TCP's option numbers. See libxtcpize.c for the rules.
 *
 * Options (each sets the environment variable the library reads):
 *   -p PORTS   XTCPIZE_PORTS: only sockets that connect to / bind these
 *              ports, e.g. 80,8000-8080
 *   -a ADDRS   XTCPIZE_ADDRS: only sockets that connect to / bind these
 *              addresses, e.g. 10.0.0.0/24,192.0.2.7 (a bind to 0.0.0.0
 *              matches)
 *   -f         XTCPIZE_FALLBACK=1: without xtcp.ko, use TCP instead of
 *              failing
 *   -d         XTCPIZE_DEBUG=1: report each conversion on stderr
 *
 * Limits: statically linked programs, setuid programs, and programs that
 * make system calls without libc (Go) are not affected; AF_INET6 sockets
 * stay TCP (XTCP is IPv4 only), so give servers an IPv4 bind address.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIBNAME "libxtcpize.so"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xtcpize run [-p PORTS] [-a ADDRS] [-f] [-d] [--] CMD [ARGS...]\n"
		"  Runs CMD with its TCP sockets (AF_INET, SOCK_STREAM) created as AF_XTCP.\n"
		"  -p PORTS  only connections to / binds on these ports (80,8000-8080)\n"
		"  -a ADDRS  only connections to / binds on these addresses (10.0.0.0/24,...)\n"
		"  -f        fall back to TCP when xtcp.ko is not loaded (default: fail)\n"
		"  -d        report each conversion on stderr\n"
		"  Environment: XTCPIZE_PORTS, XTCPIZE_ADDRS, XTCPIZE_FALLBACK=1,\n"
		"  XTCPIZE_DEBUG=1, XTCPIZE_FAMILY=N, XTCPIZE_LIB=/path/to/" LIBNAME "\n");
}

/*
 * $XTCPIZE_LIB, else next to this program (build/tools/ in the source
 * tree), else ../lib/xtcp/ beside its directory: /usr/lib/xtcp/ for
 * /usr/bin/xtcpize, where the xtcp-tools package puts the library.
 */
static int find_lib(char *out, size_t size)
{
	static const char *const rel[] = { "", "/../lib/xtcp" };
	const char *env = getenv("XTCPIZE_LIB");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	size_t i;

	if (env && *env) {
		if (!realpath(env, out))
			return -1;
		return access(out, R_OK);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s%s/%s", exe, rel[i], LIBNAME) >= (int)sizeof(path))
			continue;
		/* A canonical path: LD_PRELOAD splits at spaces and colons
		 * either way, but no "..". */
		if (realpath(path, out) && strlen(out) < size && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* The file execvp() would run for CMD, or NULL. */
static char *which(const char *cmd)
{
	const char *path = getenv("PATH");
	static char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0 ? (char *)cmd : NULL;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", cmd);
		if (access(buf, X_OK) == 0)
			return buf;
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* A 64-bit ELF executable without PT_INTERP is static: LD_PRELOAD won't act. */
static int is_static_elf(const char *file)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FILE *f = fopen(file, "re");
	int i, interp = 0, ok = 0;

	if (!f)
		return 0;
	if (fread(&eh, sizeof(eh), 1, f) == 1 && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(ph)) {
		ok = 1;
		for (i = 0; i < eh.e_phnum; i++) {
			if (fseek(f, eh.e_phoff + (long)i * sizeof(ph), SEEK_SET) ||
			    fread(&ph, sizeof(ph), 1, f) != 1) {
				ok = 0;
				break;
			}
			if (ph.p_type == PT_INTERP)
				interp = 1;
		}
	}
	fclose(f);
	return ok && !interp;
}

int main(int argc, char **argv)
{
	char lib[PATH_MAX], *preload, *file;
	const char *old;
	int c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "xtcpize: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	argv++;
	argc--;
	while ((c = getopt(argc, argv, "+p:a:fdh")) != -1) {
		switch (c) {
		case 'p':
			setenv("XTCPIZE_PORTS", optarg, 1);
			break;
		case 'a':
			setenv("XTCPIZE_ADDRS", optarg, 1);
			break;
		case 'f':
			setenv("XTCPIZE_FALLBACK", "1", 1);
			break;
		case 'd':
			setenv("XTCPIZE_DEBUG", "1", 1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (find_lib(lib, sizeof(lib)) < 0) {
		fprintf(stderr, "xtcpize: cannot find %s next to xtcpize or in ../lib/xtcp/ (set XTCPIZE_LIB)\n",
			LIBNAME);
		return 127;
	}
	file = which(argv[optind]);
	if (!file) {
		fprintf(stderr, "xtcpize: %s: command not found\n", argv[optind]);
		return 127;
	}
	if (is_static_elf(file))
		fprintf(stderr, "xtcpize: warning: %s is statically linked; "
			"LD_PRELOAD cannot change its sockets\n", file);

	old = getenv("LD_PRELOAD");
	if (asprintf(&preload, "%s%s%s", lib, old && *old ? " " : "",
		     old ? old : "") < 0)
		return 127;
	setenv("LD_PRELOAD", preload, 1);
	execv(file, argv + optind);
	fprintf(stderr, "xtcpize: cannot run %s: %s\n", file, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
