package metrics

import "github.com/prometheus/client_golang/prometheus"

var (
	labels          = []string{"socket", "pattern"}
	descSent        = prometheus.NewDesc("nngbench_messages_sent_total", "Messages sent.", labels, nil)
	descRecv        = prometheus.NewDesc("nngbench_messages_received_total", "Messages received.", labels, nil)
	descBSent       = prometheus.NewDesc("nngbench_bytes_sent_total", "Message bytes sent.", labels, nil)
	descBRecv       = prometheus.NewDesc("nngbench_bytes_received_total", "Message bytes received.", labels, nil)
	descDropped     = prometheus.NewDesc("nngbench_messages_dropped_total", "Messages known to be lost.", labels, nil)
	descRetries     = prometheus.NewDesc("nngbench_request_retries_total", "Requests retried.", labels, nil)
	descConns       = prometheus.NewDesc("nngbench_connections", "Live connections.", labels, nil)
	descErrors      = prometheus.NewDesc("nngbench_errors_total", "Errors by kind.", append(labels, "kind"), nil)
	peerLabels      = []string{"socket", "pattern", "peer"}
	descPeerDropped = prometheus.NewDesc("nngbench_peer_messages_dropped_total",
		"Messages to one peer dropped because it did not read them (its send queue was full).", peerLabels, nil)
	descPeerStalled = prometheus.NewDesc("nngbench_peer_disconnects_total",
		"Disconnections of one peer whose sends made no progress for the send deadline.", peerLabels, nil)
	descPeerCut = prometheus.NewDesc("nngbench_peer_frames_cut_total",
		"Frames from one peer cut off because they stopped arriving for the frame deadline.", peerLabels, nil)
)

// collector exposes the sockets' atomics at scrape time, so the hot path
// pays for an atomic add and nothing else.
type collector Registry

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSent, descRecv, descBSent, descBRecv, descDropped, descRetries, descConns, descErrors, descPeerDropped, descPeerStalled, descPeerCut} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	r := (*Registry)(c)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sockets {
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), s.name, s.pattern)
		}
		counter(descSent, s.sent.Load())
		counter(descRecv, s.received.Load())
		counter(descBSent, s.bytesSent.Load())
		counter(descBRecv, s.bytesRecv.Load())
		counter(descDropped, s.dropped.Load())
		counter(descRetries, s.retries.Load())
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.conns.Load()), s.name, s.pattern)
		for k := range numKinds {
			ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue,
				float64(s.errors[k].Load()), s.name, s.pattern, kindNames[k])
		}
		s.mu.Lock()
		peers := s.peerStats()
		s.mu.Unlock()
		for _, p := range peers {
			for _, m := range [...]struct {
				d *prometheus.Desc
				v uint64
			}{{descPeerDropped, p.Dropped}, {descPeerStalled, p.Stalled}, {descPeerCut, p.FramesCut}} {
				ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v), s.name, s.pattern, p.Address)
			}
		}
	}
}
