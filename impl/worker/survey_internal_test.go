package worker

import "testing"

// A wildcard host in the advertised survey address is the control plane's
// as the worker reaches it; anything else is taken as it is.
func TestSurveyAddress(t *testing.T) {
	for _, tc := range []struct{ advertised, cp, want string }{
		{"tcp://127.0.0.1:7000", "tcp://10.0.0.1:5555", "tcp://127.0.0.1:7000"},
		{"tcp://0.0.0.0:7000", "tcp://10.0.0.1:5555", "tcp://10.0.0.1:7000"},
		{"tcp://[::]:7000", "tcp://[fd00::1]:5555", "tcp://[fd00::1]:7000"},
		{"tcp://:7000", "tcp://cp.example:5555", "tcp://cp.example:7000"},
		{"ipc:///tmp/cp.survey", "ipc:///tmp/cp", "ipc:///tmp/cp.survey"},
		{"", "tcp://10.0.0.1:5555", ""},
	} {
		if got := surveyAddress(tc.advertised, tc.cp); got != tc.want {
			t.Errorf("surveyAddress(%q, %q) = %q, want %q", tc.advertised, tc.cp, got, tc.want)
		}
	}
}
