package breaker_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/breaker"
)

func TestWithDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   breaker.Config
		want breaker.Config
	}{
		{name: "zero takes every default", want: breaker.Config{FailureThreshold: 5, ResetTimeout: time.Minute, HalfOpenProbes: 1}},
		{
			name: "set fields are kept",
			in:   breaker.Config{FailureThreshold: 2, ResetTimeout: time.Second, HalfOpenProbes: 4},
			want: breaker.Config{FailureThreshold: 2, ResetTimeout: time.Second, HalfOpenProbes: 4},
		},
		{
			name: "negative fields are left for Validate",
			in:   breaker.Config{FailureThreshold: -1, ResetTimeout: -time.Second, HalfOpenProbes: -1},
			want: breaker.Config{FailureThreshold: -1, ResetTimeout: -time.Second, HalfOpenProbes: -1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.WithDefaults()
			// Config holds a func, so compare field by field.
			if got.FailureThreshold != tc.want.FailureThreshold || got.ResetTimeout != tc.want.ResetTimeout || got.HalfOpenProbes != tc.want.HalfOpenProbes {
				t.Fatalf("WithDefaults() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  breaker.Config
		want []string // expected messages, in order; empty means valid
	}{
		{name: "defaults are valid", cfg: breaker.Config{}.WithDefaults()},
		{name: "minimal values are valid", cfg: breaker.Config{FailureThreshold: 1, ResetTimeout: 1, HalfOpenProbes: 1}},
		{name: "zero threshold", cfg: breaker.Config{ResetTimeout: time.Second, HalfOpenProbes: 1},
			want: []string{"breaker: failure_threshold: must be > 0"}},
		{name: "negative reset timeout", cfg: breaker.Config{FailureThreshold: 1, ResetTimeout: -1, HalfOpenProbes: 1},
			want: []string{"breaker: reset_timeout: must be > 0"}},
		{name: "negative probes", cfg: breaker.Config{FailureThreshold: 1, ResetTimeout: time.Second, HalfOpenProbes: -3},
			want: []string{"breaker: half_open_probes: must be > 0"}},
		{name: "every problem is reported", cfg: breaker.Config{}, want: []string{
			"breaker: failure_threshold: must be > 0",
			"breaker: reset_timeout: must be > 0",
			"breaker: half_open_probes: must be > 0",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			if got, want := err.Error(), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("Validate() = %q, want %q", got, want)
			}
			if !errors.Is(err, breaker.ErrInvalidConfig) {
				t.Errorf("errors.Is(%v, ErrInvalidConfig) = false", err)
			}
		})
	}
}
