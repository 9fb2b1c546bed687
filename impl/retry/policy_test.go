package retry_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/retry"
)

// justBelowOne is the largest draw a [0,1) source can return.
var justBelowOne = math.Nextafter(1, 0)

func TestWithDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   retry.Policy
		want retry.Policy
	}{
		{
			name: "zero takes every default",
			want: retry.Policy{MaxRetries: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 10 * time.Second, Multiplier: 2, Jitter: 0.2},
		},
		{
			name: "set fields are kept",
			in:   retry.Policy{MaxRetries: 7, BaseDelay: time.Second, MaxDelay: time.Minute, Multiplier: 1.5, Jitter: 0.5},
			want: retry.Policy{MaxRetries: 7, BaseDelay: time.Second, MaxDelay: time.Minute, Multiplier: 1.5, Jitter: 0.5},
		},
		{
			name: "sentinels are kept",
			in:   retry.Policy{MaxRetries: retry.Disabled, Jitter: retry.NoJitter},
			want: retry.Policy{MaxRetries: retry.Disabled, BaseDelay: 100 * time.Millisecond, MaxDelay: 10 * time.Second, Multiplier: 2, Jitter: retry.NoJitter},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.WithDefaults()
			if got != tc.want {
				t.Fatalf("WithDefaults() = %+v, want %+v", got, tc.want)
			}
			if again := got.WithDefaults(); again != got {
				t.Fatalf("WithDefaults() is not idempotent: %+v then %+v", got, again)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	valid := retry.Policy{}.WithDefaults()
	tests := []struct {
		name string
		mod  func(p *retry.Policy)
		want []string // expected messages, in order; empty means valid
	}{
		{name: "defaults are valid", mod: func(*retry.Policy) {}},
		{name: "disabled retries are valid", mod: func(p *retry.Policy) { p.MaxRetries = retry.Disabled }},
		{name: "no jitter is valid", mod: func(p *retry.Policy) { p.Jitter = retry.NoJitter }},
		{name: "full jitter is valid", mod: func(p *retry.Policy) { p.Jitter = 1 }},
		{name: "max equal to base is valid", mod: func(p *retry.Policy) { p.MaxDelay = p.BaseDelay }},
		{name: "negative max retries", mod: func(p *retry.Policy) { p.MaxRetries = -2 },
			want: []string{"retry: max_retries: must be >= 0 or Disabled"}},
		{name: "negative base delay", mod: func(p *retry.Policy) { p.BaseDelay = -time.Second },
			want: []string{"retry: base_delay: must be > 0"}},
		{name: "max below base", mod: func(p *retry.Policy) { p.MaxDelay = p.BaseDelay - 1 },
			want: []string{"retry: max_delay: must be >= base_delay"}},
		{name: "shrinking multiplier", mod: func(p *retry.Policy) { p.Multiplier = 0.5 },
			want: []string{"retry: multiplier: must be >= 1"}},
		{name: "NaN multiplier", mod: func(p *retry.Policy) { p.Multiplier = math.NaN() },
			want: []string{"retry: multiplier: must be >= 1"}},
		{name: "jitter above one", mod: func(p *retry.Policy) { p.Jitter = 1.5 },
			want: []string{"retry: jitter: must be in [0,1] or NoJitter"}},
		{name: "every problem is reported", mod: func(p *retry.Policy) {
			*p = retry.Policy{MaxRetries: -5, BaseDelay: -1, MaxDelay: -2, Multiplier: -1, Jitter: -0.5}
		}, want: []string{
			"retry: max_retries: must be >= 0 or Disabled",
			"retry: base_delay: must be > 0",
			"retry: max_delay: must be >= base_delay",
			"retry: multiplier: must be >= 1",
			"retry: jitter: must be in [0,1] or NoJitter",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := valid
			tc.mod(&p)
			err := p.Validate()
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
			if !errors.Is(err, retry.ErrInvalidPolicy) {
				t.Errorf("errors.Is(%v, ErrInvalidPolicy) = false", err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	defaults := retry.Policy{}.WithDefaults()
	tests := []struct {
		name   string
		policy retry.Policy
		retry  int
		u      float64
		want   time.Duration
	}{
		{name: "retry 1 centre", policy: defaults, retry: 1, u: 0.5, want: 100 * time.Millisecond},
		{name: "retry 2 centre", policy: defaults, retry: 2, u: 0.5, want: 200 * time.Millisecond},
		{name: "retry 3 centre", policy: defaults, retry: 3, u: 0.5, want: 400 * time.Millisecond},
		{name: "retry 4 centre", policy: defaults, retry: 4, u: 0.5, want: 800 * time.Millisecond},
		{name: "retry 5 centre", policy: defaults, retry: 5, u: 0.5, want: 1600 * time.Millisecond},
		{name: "retry 6 centre", policy: defaults, retry: 6, u: 0.5, want: 3200 * time.Millisecond},
		{name: "retry 0 counts as 1", policy: defaults, retry: 0, u: 0.5, want: 100 * time.Millisecond},
		{name: "lower jitter bound", policy: defaults, retry: 1, u: 0, want: 80 * time.Millisecond},
		{name: "upper jitter bound", policy: defaults, retry: 1, u: justBelowOne, want: 120 * time.Millisecond},
		{name: "quarter draw", policy: defaults, retry: 3, u: 0.25, want: 360 * time.Millisecond},
		{name: "jitter below cap", policy: defaults, retry: 7, u: justBelowOne, want: 7680 * time.Millisecond},
		{name: "capped at max delay", policy: defaults, retry: 8, u: 0.5, want: 10 * time.Second},
		{name: "capped after jitter", policy: defaults, retry: 8, u: 0, want: 10 * time.Second},
		{name: "huge retry is capped", policy: defaults, retry: 1 << 20, u: 0.5, want: 10 * time.Second},
		{name: "out of range draw is clamped", policy: defaults, retry: 1, u: -3, want: 80 * time.Millisecond},
		{name: "no jitter", policy: retry.Policy{Jitter: retry.NoJitter}.WithDefaults(), retry: 2, u: 0, want: 200 * time.Millisecond},
		{name: "full jitter at zero", policy: retry.Policy{Jitter: 1}.WithDefaults(), retry: 1 << 20, u: 0, want: 0},
		{name: "constant multiplier", policy: retry.Policy{Multiplier: 1, Jitter: retry.NoJitter}.WithDefaults(), retry: 5, u: 0.9, want: 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.policy.Backoff(tc.retry, tc.u); got != tc.want {
				t.Fatalf("Backoff(%d, %v) = %v, want %v", tc.retry, tc.u, got, tc.want)
			}
		})
	}
}
