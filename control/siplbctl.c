/* siplbctl.c: the siplbctl executable; all of it is slbctl_main(), which the tests call too. */
#include <stdio.h>

#include "siplbctl.h"

int
main(int argc, char **argv)
{
	return slbctl_main(argc, argv, stdout, stderr);
}
