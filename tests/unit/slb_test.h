/* slb_test.h: the one main() every CUnit suite shares, printing a line scripts/test.sh reads. */
#ifndef SLB_TEST_H
#define SLB_TEST_H

#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

/* Replace the first occurrence of from in the NUL-terminated s (room enough) by to. */
static inline void
slb_test_replace(char *s, const char *from, const char *to)
{
	char *at = strstr(s, from);
	size_t fl = strlen(from), tl = strlen(to);

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memmove(at + tl, at + fl, strlen(at + fl) + 1);
	memcpy(at, to, tl);
}

static inline int
slb_test_main(const char *suite, CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{(char *)suite, NULL, NULL, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};
	unsigned int run, failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS)
		return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	printf("RESULT %s: %u passed, %u failed\n", suite, run - failed, failed);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif /* SLB_TEST_H */
