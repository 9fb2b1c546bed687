package main

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/metrics"
)

// table writes tab-separated rows aligned in columns.
func table(out io.Writer, header string, rows [][]string) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	return w.Flush()
}

func listNodes(c *adminClient, out io.Writer) error {
	var nodes []api.Node
	if err := c.call(api.AdminNodes, nil, &nodes); err != nil {
		return err
	}
	rows := make([][]string, len(nodes))
	for i, n := range nodes {
		rows[i] = []string{n.ID, n.Status, ago(n.LastSeen), fmt.Sprint(len(n.Instances)),
			fmt.Sprintf("%.1f", n.Resources.CPUPercent), fmt.Sprintf("%.1f", n.Resources.MemoryPercent)}
	}
	return table(out, "NODE\tSTATUS\tLAST-SEEN\tINSTANCES\tCPU%\tMEM%", rows)
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return time.Since(t).Round(time.Millisecond).String() + " ago"
}

func instanceRows(insts []api.Instance) [][]string {
	rows := make([][]string, len(insts))
	for i, in := range insts {
		created := "-"
		if !in.CreatedAt.IsZero() {
			created = in.CreatedAt.Local().Format(time.DateTime)
		}
		rows[i] = []string{in.ID, in.Image, cmp.Or(in.Node, "-"), cmp.Or(in.State, "-"), created}
	}
	return rows
}

const instanceHeader = "ID\tIMAGE\tNODE\tSTATE\tCREATED"

func listInstances(c *adminClient, out io.Writer) error {
	var insts []api.Instance
	if err := c.call(api.AdminInstances, nil, &insts); err != nil {
		return err
	}
	return table(out, instanceHeader, instanceRows(insts))
}

func debugSockets(c *adminClient, out io.Writer) error {
	var snap metrics.Snapshot
	if err := c.call(api.AdminSockets, nil, &snap); err != nil {
		return err
	}
	rows := make([][]string, len(snap.Sockets))
	for i, s := range snap.Sockets {
		rows[i] = []string{s.Name, s.Pattern, cmp.Or(strings.Join(s.Addresses, ","), "-"), fmt.Sprint(s.Connections),
			fmt.Sprint(s.Received), fmt.Sprint(s.Sent), fmt.Sprint(s.ErrorTotal())}
	}
	return table(out, "SOCKET\tPROTOCOL\tADDRESSES\tCONNS\tMSGS-IN\tMSGS-OUT\tERRORS", rows)
}

func createInstance(c *adminClient, out io.Writer, image string, values map[string]string) error {
	var inst api.Instance
	if err := c.call(api.AdminCreateInstance, api.CreateInstance{Image: image, Config: values}, &inst); err != nil {
		return err
	}
	return table(out, instanceHeader, instanceRows([]api.Instance{inst}))
}

func deleteInstance(c *adminClient, out io.Writer, id string) error {
	var res api.DeleteResult
	if err := c.call(api.AdminDeleteInstance, api.DeleteInstance{ID: id}, &res); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted %s\n", res.ID)
	return nil
}

func printConfig(out io.Writer, snap api.ConfigSnapshot) error {
	fmt.Fprintf(out, "version %d\n", snap.Version)
	keys := slices.Sorted(maps.Keys(snap.Values))
	rows := make([][]string, len(keys))
	for i, k := range keys {
		rows[i] = []string{k, snap.Values[k]}
	}
	return table(out, "KEY\tVALUE", rows)
}

func configSet(c *adminClient, out io.Writer, values map[string]string) error {
	var snap api.ConfigSnapshot
	if err := c.call(api.AdminConfigSet, api.ConfigSet{Values: values}, &snap); err != nil {
		return err
	}
	return printConfig(out, snap)
}

// configGet asks the admin socket for api.ConfigLatest, which the control
// plane serves there too (api has no admin endpoint of its own for it).
func configGet(c *adminClient, out io.Writer) error {
	var snap api.ConfigSnapshot
	if err := c.call(api.ConfigLatest, nil, &snap); err != nil {
		return err
	}
	return printConfig(out, snap)
}

// maxSubmitBytes bounds one submit request, well under the 64 MiB default
// message limit.
const maxSubmitBytes = 4 << 20

func tasksSubmit(c *adminClient, out io.Writer, s submitSpec) error {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	prefix := "cpctl-" + hex.EncodeToString(b[:])
	payload := strings.Repeat("x", s.size)
	chunk := max(1, min(1000, maxSubmitBytes/(s.size+128)))
	accepted := 0
	for start := 0; start < s.n; start += chunk {
		tasks := make([]api.Task, 0, min(chunk, s.n-start))
		for i := start; i < s.n && i < start+chunk; i++ {
			t := api.Task{ID: fmt.Sprintf("%s-%d", prefix, i), Kind: s.kind, Payload: payload}
			switch s.kind {
			case api.TaskSleep:
				t.SleepMS = s.sleepMS
			case api.TaskHash:
				t.Rounds = s.rounds
			}
			tasks = append(tasks, t)
		}
		var res api.TaskSubmitted
		if err := c.call(api.AdminTasksSubmit, tasks, &res); err != nil {
			return fmt.Errorf("after %d accepted: %w", accepted, err)
		}
		accepted += res.Accepted
	}
	fmt.Fprintf(out, "submitted %d %s tasks (%s-0 .. %s-%d)\n", accepted, s.kind, prefix, prefix, s.n-1)
	return nil
}

func tasksStatus(c *adminClient, out io.Writer) error {
	var st api.TaskStats
	if err := c.call(api.AdminTasksStatus, nil, &st); err != nil {
		return err
	}
	return table(out, "ACCEPTED\tCOMPLETED\tPENDING\tDISPATCHES\tREDELIVERED\tDUPLICATES", [][]string{{
		fmt.Sprint(st.Accepted), fmt.Sprint(st.Completed), fmt.Sprint(st.Pending),
		fmt.Sprint(st.Dispatches), fmt.Sprint(st.Redelivered), fmt.Sprint(st.Duplicates),
	}})
}
