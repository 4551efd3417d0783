/* slow.h: the main lcore's loop (everything that is not per packet). */
#ifndef SLB_SLOW_H
#define SLB_SLOW_H

struct slb_dp;

/* Run until slb_quit is set. */
void slb_slow_loop(struct slb_dp *dp);

#endif /* SLB_SLOW_H */
