package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc CPU times on Linux.
const clockTicks = 100

// cpuSnap is a snapshot of CPU time (seconds): all CPUs together, this
// process and the PyTorch worker.
type cpuSnap struct {
	total, self, child float64
	childPid           int
	ok                 bool
}

// procStatCPU returns the busy CPU seconds of the whole machine (user, nice,
// system, irq, softirq and steal) from /proc/stat.
func procStatCPU() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var busy float64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system irq softirq steal
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return 0, false
		}
		busy += v
	}
	return busy / clockTicks, true
}

// processCPU returns utime+stime of a process (all its threads), in seconds.
func processCPU(pid string) (float64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseFloat(f[11], 64) // field 14
	k, err2 := strconv.ParseFloat(f[12], 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (u + k) / clockTicks, true
}

func snapCPU(childPid int) cpuSnap {
	var s cpuSnap
	var ok1, ok2 bool
	s.total, ok1 = procStatCPU()
	s.self, ok2 = processCPU("self")
	s.ok = ok1 && ok2
	s.childPid = childPid
	if childPid > 0 {
		s.child, _ = processCPU(strconv.Itoa(childPid))
	}
	return s
}

// otherCPUs returns the mean number of CPUs that other processes kept busy
// between two snapshots wall seconds apart (NaN-free: 0 when unknown).
func otherCPUs(a, b cpuSnap, wall float64) float64 {
	if !a.ok || !b.ok || wall <= 0 {
		return 0
	}
	ours := b.self - a.self
	if a.childPid == b.childPid {
		ours += b.child - a.child
	} else {
		ours += b.child // a new worker: its whole life is inside the interval
	}
	return max(0, (b.total-a.total-ours)/wall)
}

// otherLoadNow measures for d how many CPUs other processes keep busy.
func otherLoadNow(childPid int, d time.Duration) float64 {
	a := snapCPU(childPid)
	start := time.Now()
	time.Sleep(d)
	return otherCPUs(a, snapCPU(childPid), time.Since(start).Seconds())
}

// waitQuiet waits, for at most limit, until other processes keep fewer than
// busyCPU CPUs busy. It reports whether the machine is quiet, and the load.
func waitQuiet(childPid int, limit time.Duration, log io.Writer, what string) (bool, float64) {
	deadline := time.Now().Add(limit)
	said := false
	for {
		l := otherLoadNow(childPid, time.Second)
		if l < busyCPU {
			return true, l
		}
		if time.Now().After(deadline) {
			return false, l
		}
		if !said {
			fmt.Fprintf(log, "mafcbench: other processes keep %.1f CPUs busy; waiting up to %s for a quiet machine before %s\n", l, limit, what)
			said = true
		}
		time.Sleep(4 * time.Second)
	}
}
