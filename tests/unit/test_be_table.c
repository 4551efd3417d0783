/* placeholder: being written */
#include "slb_test.h"
static void t_todo(void) { CU_FAIL("not written yet"); }
static CU_TestInfo tests[] = { {"todo", t_todo}, CU_TEST_INFO_NULL };
int main(void) { return slb_test_main("be_table", tests); }
