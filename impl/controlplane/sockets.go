package controlplane

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
	"github.com/nngbench/nngbench/impl/survey"
	"github.com/nngbench/nngbench/impl/transport"
)

// Socket names in metrics: the node id, plus a suffix for each role but the
// workers' REP socket, whose name is also the sender id workers see. The
// client's peers are named "<node_id>-><worker>" by reqrep.
const (
	suffixAdmin   = "/admin"
	suffixPub     = "/pub"
	suffixTasks   = "/tasks"
	suffixResults = "/results"
	suffixSurvey  = "/survey"
)

// open creates and binds every socket, in the order of api.Ready.
func (cp *ControlPlane) open() error {
	topts, err := cp.transportOptions()
	if err != nil {
		return err
	}
	cp.addrs = map[string]string{}
	if err := cp.openClient(topts); err != nil {
		return err
	}
	if err := cp.openWorkerAPI(topts); err != nil {
		return err
	}
	if err := cp.openStreams(topts); err != nil {
		return err
	}
	if err := cp.openAdmin(topts); err != nil {
		return err
	}
	return cp.openMetrics()
}

func (cp *ControlPlane) transportOptions() (transport.Options, error) {
	o := transport.Options{MaxMessageSize: cp.cfg.Messaging.MaxMessageSizeMB << 20}
	t := cp.cfg.Messaging.TLS
	if !t.Enabled() {
		return o, nil
	}
	m, err := t.Load()
	if err != nil {
		return o, fmt.Errorf("controlplane: messaging.%w", err)
	}
	if m.Cert != nil {
		if o.TLS, err = m.Server(); err != nil {
			return o, fmt.Errorf("controlplane: messaging.%w", err)
		}
	}
	o.DialTLS = m.Client()
	return o, nil
}

func (cp *ControlPlane) openClient(topts transport.Options) error {
	base := cp.cfg.Retry.BaseDelay.D()
	policy := retry.Policy{MaxRetries: cp.cfg.Retry.MaxRetries, BaseDelay: base, MaxDelay: max(base, retry.DefaultMaxDelay)}
	if policy.MaxRetries == 0 {
		policy.MaxRetries = retry.Disabled // the config's 0 means none, retry's means default
	}
	c, err := reqrep.NewClient(reqrep.ClientConfig{
		Name:      cp.cfg.NodeID,
		Transport: topts,
		Timeout:   cp.cfg.Messaging.RequestTimeout.D(),
		Retry:     policy,
		Breaker: breaker.Config{
			FailureThreshold: cp.cfg.Breaker.FailureThreshold,
			ResetTimeout:     cp.cfg.Breaker.ResetTimeout.D(),
		},
		Metrics: cp.opts.Metrics,
		Logger:  cp.opts.Logger,
	})
	if err != nil {
		return fmt.Errorf("controlplane: client: %w", err)
	}
	cp.client = c
	return nil
}

func (cp *ControlPlane) newServer(name string, topts transport.Options) (*reqrep.Server, error) {
	key, err := authKey(cp.cfg.Auth) // replies signed too: workers check config snapshots
	if err != nil {
		return nil, err
	}
	s, err := reqrep.NewServer(reqrep.ServerConfig{
		Name: name, Transport: topts, Metrics: cp.opts.Metrics, Logger: cp.opts.Logger, Key: key,
	})
	if err != nil {
		return nil, fmt.Errorf("controlplane: %s: %w", name, err)
	}
	return s, nil
}

func (cp *ControlPlane) openWorkerAPI(topts transport.Options) error {
	s, err := cp.newServer(cp.cfg.NodeID, topts)
	if err != nil {
		return err
	}
	cp.rep = s
	cp.handleWorkers(s)
	return cp.listen("bind", cp.cfg.Messaging.BindAddress, s.Listen)
}

func (cp *ControlPlane) openStreams(topts transport.Options) error {
	name := cp.cfg.NodeID
	key, err := authKey(cp.cfg.Auth)
	if err != nil {
		return err
	}
	if cp.pub, err = pubsub.NewPublisher(pubsub.PublisherConfig{
		Name: name + suffixPub, Transport: topts, Metrics: cp.opts.Metrics, Logger: cp.opts.Logger, Key: key,
	}); err != nil {
		return fmt.Errorf("controlplane: publisher: %w", err)
	}
	if err := cp.listen("pub", cp.cfg.Messaging.PubAddress, cp.pub.Listen); err != nil {
		return err
	}
	if cp.push, err = pipeline.NewPusher(pipeline.PusherConfig{
		Name: name + suffixTasks, Transport: topts, Metrics: cp.opts.Metrics, Logger: cp.opts.Logger,
	}); err != nil {
		return fmt.Errorf("controlplane: pusher: %w", err)
	}
	if err := cp.listen("tasks", cp.cfg.Messaging.TaskAddress, cp.push.Listen); err != nil {
		return err
	}
	if cp.pull, err = pipeline.NewPuller(pipeline.PullerConfig{
		Name: name + suffixResults, Transport: topts, Metrics: cp.opts.Metrics, Logger: cp.opts.Logger,
	}); err != nil {
		return fmt.Errorf("controlplane: puller: %w", err)
	}
	if err := cp.listen("results", cp.cfg.Messaging.ResultAddress, cp.pull.Listen); err != nil {
		return err
	}
	if cp.surveyor, err = survey.NewSurveyor(survey.SurveyorConfig{
		Name: name + suffixSurvey, Transport: topts, Deadline: cp.cfg.Messaging.RequestTimeout.D(),
		Metrics: cp.opts.Metrics, Logger: cp.opts.Logger,
	}); err != nil {
		return fmt.Errorf("controlplane: surveyor: %w", err)
	}
	return cp.listen("survey", cp.cfg.Messaging.surveyAddress(), cp.surveyor.Listen)
}

func (cp *ControlPlane) openAdmin(topts transport.Options) error {
	s, err := cp.newServer(cp.cfg.NodeID+suffixAdmin, topts)
	if err != nil {
		return err
	}
	cp.admin = s
	cp.handleAdmin(s)
	return cp.listen("admin", cp.cfg.Messaging.AdminAddress, s.Listen)
}

func (cp *ControlPlane) listen(role, addr string, listen func(string) (string, error)) error {
	bound, err := listen(addr)
	if err != nil {
		return fmt.Errorf("controlplane: %s: %w", role, err)
	}
	cp.addrs[role] = bound
	return nil
}

// openMetrics serves /metrics on a listener bound here, so that port 0
// works and the bound port is known before anyone scrapes.
func (cp *ControlPlane) openMetrics() error {
	cp.collector = newCollector(cp)
	if err := cp.opts.Metrics.Prometheus().Register(cp.collector); err != nil {
		cp.collector = nil
		return fmt.Errorf("controlplane: metrics: %w", err)
	}
	ln, err := net.Listen("tcp", cp.cfg.MetricsAddress)
	if err != nil {
		return fmt.Errorf("controlplane: metrics_address: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", cp.opts.Metrics.Handler())
	cp.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	cp.addrs["metrics"] = ln.Addr().String()
	srv := cp.httpSrv
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cp.log.Error("metrics endpoint stopped", "error", err)
		}
	}()
	return nil
}
