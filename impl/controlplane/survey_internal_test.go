package controlplane

import "testing"

// Without survey_address, the surveyor binds bind_address's host on a free
// port, or next to an ipc or inproc path.
func TestSurveyAddress(t *testing.T) {
	for _, tc := range []struct{ bind, survey, want string }{
		{"tcp://127.0.0.1:5555", "", "tcp://127.0.0.1:0"},
		{"tls+tcp://0.0.0.0:5555", "", "tls+tcp://0.0.0.0:0"},
		{"tcp://[::1]:5555", "", "tcp://[::1]:0"},
		{"ipc:///tmp/cp.sock", "", "ipc:///tmp/cp.sock.survey"},
		{"inproc://cp", "", "inproc://cp.survey"},
		{"tcp://127.0.0.1:5555", "tcp://127.0.0.1:6000", "tcp://127.0.0.1:6000"},
	} {
		m := Messaging{BindAddress: tc.bind, SurveyAddress: tc.survey}
		if got := m.surveyAddress(); got != tc.want {
			t.Errorf("bind %q, survey %q: %q, want %q", tc.bind, tc.survey, got, tc.want)
		}
	}
}
