package envelope_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
)

func sample() *envelope.Envelope {
	return &envelope.Envelope{
		ID:        "msg_0123456789abcdef",
		Type:      envelope.Response,
		Endpoint:  "/instances/create",
		Timestamp: time.Date(2026, 3, 19, 10, 30, 0, 123456789, time.UTC),
		Sender:    "worker-1",
		Seq:       42,
		RequestID: "msg_fedcba9876543210",
		Error:     "quote \" backslash \\ newline \n tab \t bell \a",
		Data:      json.RawMessage(`{"image":"nginx","config":{"cpu":2,"tags":["a","b"],"x":-1.5e3,"ok":true,"n":null}}`),
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  *envelope.Envelope
	}{
		{"full", sample()},
		{"minimal", &envelope.Envelope{ID: "msg_1", Type: envelope.Heartbeat}},
		{"string data", &envelope.Envelope{ID: "msg_2", Type: envelope.Event, Data: json.RawMessage(`"x\u00e9\"y"`)}},
		{"unicode fields", &envelope.Envelope{ID: "msg_3", Type: envelope.Task, Sender: "nœud-é", Endpoint: "a\x01b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := envelope.Marshal(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b) {
				t.Fatalf("encoded form is not valid JSON: %s", b)
			}
			got, err := envelope.Unmarshal(b)
			if err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			assertEqual(t, got, tc.env)
		})
	}
}

func assertEqual(t *testing.T, got, want *envelope.Envelope) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.Endpoint != want.Endpoint ||
		!got.Timestamp.Equal(want.Timestamp) || got.Sender != want.Sender || got.Seq != want.Seq ||
		got.RequestID != want.RequestID || got.Error != want.Error || string(got.Data) != string(want.Data) {
		t.Fatalf("round trip mismatch:\n got %+v\nwant %+v", got, want)
	}
}

// The wire form is what other NNG peers (nngcat, C programs) must read, so it
// is pinned exactly.
func TestWireForm(t *testing.T) {
	e := &envelope.Envelope{
		ID: "msg_abc123", Type: envelope.Request, Endpoint: "/health",
		Timestamp: time.Date(2026, 3, 19, 10, 30, 0, 5, time.UTC), Sender: "controlplane",
		Data: json.RawMessage(`{}`),
	}
	b, err := envelope.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"msg_abc123","type":"request","endpoint":"/health","timestamp":"2026-03-19T10:30:00.000000005Z","sender":"controlplane","data":{}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestDecodeAcceptsOtherForms(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		check    func(*envelope.Envelope) bool
	}{
		{"whitespace and key order", " {\n \"data\" : [1, 2] ,\"type\":\"task\", \"id\":\"msg_1\" } \n",
			func(e *envelope.Envelope) bool { return string(e.Data) == "[1, 2]" && e.Type == envelope.Task }},
		{"unknown keys skipped", `{"id":"msg_1","type":"event","extra":{"deep":[{"x":1}]},"v":2}`,
			func(e *envelope.Envelope) bool { return e.Type == envelope.Event }},
		{"nulls", `{"id":"msg_1","type":"event","endpoint":null,"timestamp":null,"seq":null,"data":null}`,
			func(e *envelope.Envelope) bool { return e.Data == nil && e.Timestamp.IsZero() && e.Seq == 0 }},
		{"offset timestamp", `{"id":"msg_1","type":"event","timestamp":"2026-03-19T12:30:00+02:00"}`,
			func(e *envelope.Envelope) bool {
				return e.Timestamp.Equal(time.Date(2026, 3, 19, 10, 30, 0, 0, time.UTC))
			}},
		{"escaped id", `{"id":"msg_\u0041","type":"event"}`,
			func(e *envelope.Envelope) bool { return e.ID == "msg_A" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := envelope.Unmarshal([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(e) {
				t.Fatalf("unexpected result %+v", e)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	full, _ := envelope.Marshal(sample())
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "expected '{'"},
		{"garbage", "\x00\x01\x02garbage", "expected '{'"},
		{"array", `[1,2]`, "expected '{'"},
		{"truncated", string(full[:len(full)/2]), "malformed"},
		{"missing id", `{"type":"event"}`, "id: missing"},
		{"missing type", `{"id":"msg_1"}`, "type: missing"},
		{"unknown type", `{"id":"msg_1","type":"gossip"}`, `type: "gossip" is not a type`},
		{"type not string", `{"id":"msg_1","type":3}`, "type: expected a string"},
		{"bad timestamp", `{"id":"msg_1","type":"event","timestamp":"yesterday"}`, "timestamp: not RFC 3339"},
		{"impossible date", `{"id":"msg_1","type":"event","timestamp":"2026-02-30T00:00:00.000000000Z"}`, "timestamp"},
		{"negative seq", `{"id":"msg_1","type":"event","seq":-1}`, "seq: not an unsigned integer"},
		{"bad data", `{"id":"msg_1","type":"event","data":{"a":tru}}`, "data: invalid literal"},
		{"trailing", `{"id":"msg_1","type":"event"} x`, "trailing bytes"},
		{"two objects", `{"id":"msg_1","type":"event"}{}`, "trailing bytes"},
		{"control char", "{\"id\":\"msg\x01\",\"type\":\"event\"}", "control character"},
		{"bad escape", `{"id":"msg\q","type":"event"}`, "bad escape"},
		{"deep nesting", `{"id":"m","type":"event","data":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, "nested too deeply"},
		{"missing colon", `{"id" "m"}`, "expected ':'"},
		{"missing comma", `{"id":"m" "type":"event"}`, "expected ',' or '}'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := envelope.Unmarshal([]byte(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, envelope.ErrMalformed) {
				t.Fatalf("%v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  envelope.Envelope
	}{
		{"zero type", envelope.Envelope{ID: "msg_1"}},
		{"no id", envelope.Envelope{Type: envelope.Event}},
		{"bad data", envelope.Envelope{ID: "msg_1", Type: envelope.Event, Data: json.RawMessage(`{"a":`)}},
		{"two values", envelope.Envelope{ID: "msg_1", Type: envelope.Event, Data: json.RawMessage(`1 2`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := envelope.Marshal(&tc.env); !errors.Is(err, envelope.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

// The decoder's value scanner must agree with encoding/json on what is JSON.
func TestDataValidityMatchesEncodingJSON(t *testing.T) {
	for _, data := range []string{
		`0`, `-0`, `01`, `1.`, `.5`, `1e5`, `1E+5`, `1e`, `-`, `[1,]`, `{"a":1,}`, `{"a"}`, `[`, `"\u12"`, `"\u12ab"`,
		`"a\/b"`, `"tab	in"`, `{"a":[true,false,null]}`, `nul`, `"é"`, `[[[]]]`, `{"":""}`, `1 `, "\t[ ]\n",
		`"12345678901234567890\"x"`, `"abcdefgh\\ijklmnop"`, `"aaaaaaaaaaaaaaaa` + "\x1f" + `"`,
	} {
		want := json.Valid([]byte(data))
		e := envelope.Envelope{ID: "msg_1", Type: envelope.Event, Data: json.RawMessage(data)}
		_, err := envelope.Marshal(&e)
		if got := err == nil; got != want {
			t.Errorf("data %q: codec accepts=%v, encoding/json Valid=%v (err %v)", data, got, want, err)
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		id := envelope.NewID()
		if len(id) != 20 || !strings.HasPrefix(id, "msg_") {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestReplyAndBind(t *testing.T) {
	req := envelope.New(envelope.Request, "cp", "/instances/create", json.RawMessage(`{"image":"nginx"}`))
	var args struct {
		Image string `json:"image"`
	}
	if err := req.Bind(&args); err != nil || args.Image != "nginx" {
		t.Fatalf("bind: %v %+v", err, args)
	}
	bad := envelope.New(envelope.Request, "cp", "/x", json.RawMessage(`{"image":"nginx","cpus":3}`))
	if err := bad.Bind(&args); !errors.Is(err, envelope.ErrBadData) {
		t.Fatalf("unknown field: got %v", err)
	}
	resp := req.Reply("worker-1", json.RawMessage(`{"instance_id":"i-1"}`))
	if resp.RequestID != req.ID || resp.Type != envelope.Response || resp.ID == req.ID {
		t.Fatalf("bad reply %+v", resp)
	}
	eresp := envelope.ReplyError(nil, "worker-1", errors.New("boom"))
	if eresp.Error != "boom" || eresp.RequestID != "" {
		t.Fatalf("bad error reply %+v", eresp)
	}
}

func TestEncodingJSONInterop(t *testing.T) {
	in := sample()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out envelope.Envelope
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	assertEqual(t, &out, in)
}
