package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// takeTerminal makes the demo's own process group the terminal's
// foreground group, so that Ctrl-C sends SIGINT to the demo alone. Under
// `make demo` the terminal would otherwise signal make too, and GNU make
// dies of a SIGINT it receives (exit status 130) however cleanly its recipe
// ends. The returned function gives the terminal back to the group that had
// it. Ctrl-Z is dropped meanwhile. Without a controlling terminal on stdin,
// or when started in the background, it changes nothing.
func takeTerminal() (restore func()) {
	fd := int(os.Stdin.Fd())
	orig, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || orig != unix.Getpgrp() {
		return func() {}
	}
	if err := unix.Setpgid(0, 0); err != nil {
		return func() {}
	}
	if err := setForeground(fd, unix.Getpid()); err != nil {
		_ = unix.Setpgid(0, orig) // back where we were: the terminal still signals make and us together
		return func() {}
	}
	// Ctrl-Z would stop the demo alone while the shell waits for make,
	// which it never sees stop: the terminal would be stuck. Caught and
	// dropped rather than ignored, so that children keep the default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGTSTP)
	return func() { _ = setForeground(fd, orig) }
}

// setForeground is tcsetpgrp. A process outside the foreground group that
// calls it gets SIGTTOU, which would stop it, unless it ignores the signal.
func setForeground(fd, pgrp int) error {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU) // children get the default back
	return unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgrp)
}
