package main

import (
	"flag"
	"io"
	"strconv"
	"strings"
)

// command runs against the admin API and prints to out.
type command func(c *adminClient, out io.Writer) error

// parse turns the words after the flags into a command, or a usage error.
func parse(args []string) (command, error) {
	if len(args) == 0 {
		return nil, usagef("no command")
	}
	name, rest := args[0], args[1:]
	switch name {
	case "nodes":
		return exact(rest, 0, "nodes", listNodes)
	case "instances":
		return exact(rest, 0, "instances", listInstances)
	case "debug":
		if len(rest) != 1 || rest[0] != "sockets" {
			return nil, usagef("usage: debug sockets")
		}
		return debugSockets, nil
	case "create":
		return parseCreate(rest)
	case "delete":
		if len(rest) != 1 || rest[0] == "" {
			return nil, usagef("usage: delete ID")
		}
		id := rest[0]
		return func(c *adminClient, out io.Writer) error { return deleteInstance(c, out, id) }, nil
	case "config":
		return parseConfig(rest)
	case "tasks":
		return parseTasks(rest)
	}
	return nil, usagef("unknown command %q", name)
}

func exact(rest []string, n int, usage string, cmd command) (command, error) {
	if len(rest) != n {
		return nil, usagef("usage: %s", usage)
	}
	return cmd, nil
}

func parseCreate(rest []string) (command, error) {
	if len(rest) == 0 || rest[0] == "" || strings.Contains(rest[0], "=") {
		return nil, usagef("usage: create IMAGE [key=value...]")
	}
	image := rest[0]
	values, err := keyValues(rest[1:])
	if err != nil {
		return nil, err
	}
	return func(c *adminClient, out io.Writer) error { return createInstance(c, out, image, values) }, nil
}

func parseConfig(rest []string) (command, error) {
	switch {
	case len(rest) == 1 && rest[0] == "get":
		return configGet, nil
	case len(rest) >= 2 && rest[0] == "set":
		values, err := keyValues(rest[1:])
		if err != nil {
			return nil, err
		}
		return func(c *adminClient, out io.Writer) error { return configSet(c, out, values) }, nil
	}
	return nil, usagef("usage: config set key=value... | config get")
}

// keyValues parses key=value words; nil for none.
func keyValues(words []string) (map[string]string, error) {
	if len(words) == 0 {
		return nil, nil
	}
	values := make(map[string]string, len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, usagef("%q: want key=value", w)
		}
		values[k] = v
	}
	return values, nil
}

// submitSpec is what "tasks submit" sends.
type submitSpec struct {
	n, size, sleepMS, rounds int
	kind                     string
}

func parseTasks(rest []string) (command, error) {
	if len(rest) == 1 && rest[0] == "status" {
		return tasksStatus, nil
	}
	if len(rest) == 0 || rest[0] != "submit" {
		return nil, usagef("usage: tasks submit N [-kind echo|sleep|hash] [-size BYTES] | tasks status")
	}
	fs := flag.NewFlagSet("tasks submit", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error says it, and the usage follows
	var s submitSpec
	fs.StringVar(&s.kind, "kind", "echo", "echo, sleep or hash")
	fs.IntVar(&s.size, "size", 64, "payload bytes")
	fs.IntVar(&s.sleepMS, "sleep-ms", 10, "for sleep tasks, milliseconds")
	fs.IntVar(&s.rounds, "rounds", 1, "for hash tasks, rounds of SHA-256")
	// N may come before or after the flags.
	args, n := rest[1:], ""
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("tasks submit: %v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		if n != "" {
			return nil, usagef("tasks submit: one N, not %q and %q", n, fs.Arg(0))
		}
		n, args = fs.Arg(0), fs.Args()[1:]
	}
	var err error
	if s.n, err = strconv.Atoi(n); err != nil || s.n < 1 {
		return nil, usagef("tasks submit: N must be a whole number >= 1, got %q", n)
	}
	switch {
	case s.kind != "echo" && s.kind != "sleep" && s.kind != "hash":
		return nil, usagef("tasks submit: -kind must be echo, sleep or hash, got %q", s.kind)
	case s.size < 0 || s.sleepMS < 0 || s.rounds < 1:
		return nil, usagef("tasks submit: -size and -sleep-ms must be >= 0, -rounds >= 1")
	}
	return func(c *adminClient, out io.Writer) error { return tasksSubmit(c, out, s) }, nil
}
