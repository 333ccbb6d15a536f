/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Include after kselftest_harness.h (net_fixture.h does): on the debug
 * kernel (make check-debug exports XTCP_DEBUG_KERNEL=1) every test case's
 * harness time limit (TEST_F_TIMEOUT, or the harness's 30 s) is multiplied
 * by 4 before the tests run: connection set-up is ~11x slower there and the
 * namespace set-up of a fixture alone can take most of 30 s. The tests'
 * assertions are unchanged. XTCP_TIMEOUT_SCALE=N sets the factor (1..20).
 *
 * It walks the harness's own test list (the 6.1 kselftest_harness.h the
 * build extracts from linux-source-6.1) and wraps TEST_HARNESS_MAIN.
 */
#ifndef XTCP_HARNESS_SCALE_H
#define XTCP_HARNESS_SCALE_H

#include <stdlib.h>
#include <string.h>

static inline void xt_scale_harness_timeouts(void)
{
	const char *dbg = getenv("XTCP_DEBUG_KERNEL");
	const char *s = getenv("XTCP_TIMEOUT_SCALE");
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	long k = (dbg && !strcmp(dbg, "1")) ? 4 : 1;

	if (s && *s)
		k = strtol(s, NULL, 10);
	if (k <= 1 || k > 20)
		return;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= k;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) { \
		xt_scale_harness_timeouts(); \
		return test_harness_run(argc, argv); \
	}

#endif
