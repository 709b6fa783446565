package cffake

import (
	"net/http"
)

// ccAPIVersion is the Cloud Controller v3 version the fake announces (a 2026 capi-release).
const ccAPIVersion = "3.195.0"

func (s *Server) routes() {
	s.handle("GET /{$}", s.handleRoot)
	s.handle("GET /v3", s.handleV3Root)
	s.handle("GET /v3/{$}", s.handleV3Root)
	s.handle("GET /v3/info", s.handleInfo)
	s.handle("GET /login", s.handleLogin)
	s.handle("GET /info", s.handleLogin)
	s.handle("GET /passcode", s.handlePasscode)
	s.handle("POST /oauth/token", s.handleToken)

	s.handle("GET /v3/organizations", s.cc(s.listOrgs))
	s.handle("GET /v3/organizations/{guid}", s.cc(s.getOrg))
	s.handle("GET /v3/spaces", s.cc(s.listSpaces))
	s.handle("GET /v3/spaces/{guid}", s.cc(s.getSpace))
	s.handle("GET /v3/service_offerings", s.cc(s.listOfferings))
	s.handle("GET /v3/service_plans", s.cc(s.listPlans))
	s.handle("GET /v3/service_instances", s.cc(s.listInstances))
	s.handle("GET /v3/service_instances/{guid}", s.cc(s.getInstance))
	s.handle("GET /v3/service_instances/{guid}/parameters", s.cc(s.getInstanceParameters))
	s.handle("GET /v3/service_credential_bindings", s.cc(s.listBindings))
	s.handle("GET /v3/service_credential_bindings/{guid}", s.cc(s.getBinding))
	s.handle("GET /v3/service_credential_bindings/{guid}/details", s.cc(s.getBindingDetails))
	s.handle("GET /v3/service_credential_bindings/{guid}/parameters", s.cc(s.getBindingParameters))
	s.handle("POST /v3/service_credential_bindings", s.cc(s.createBinding))
	s.handle("DELETE /v3/service_credential_bindings/{guid}", s.cc(s.deleteBinding))
	s.handle("PATCH /v3/service_credential_bindings/{guid}", s.cc(s.patchBinding))
	s.handle("POST /v3/service_instances", s.cc(s.createInstance))
	s.handle("GET /v3/jobs/{guid}", s.cc(s.getJob))
	s.handle("/", s.handleUnknown)
}

// handleUnknown answers paths the fake does not serve as the Cloud Controller answers unknown routes.
func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	ccFail(w, http.StatusNotFound, "CF-NotFound", 10000, "Unknown request")
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{"links": map[string]any{
		"self":                link(base),
		"bits_service":        nil,
		"cloud_controller_v3": map[string]any{"href": base + "/v3", "meta": map[string]string{"version": ccAPIVersion}},
		"network_policy_v0":   link(base + "/networking/v0/external"),
		"network_policy_v1":   link(base + "/networking/v1/external"),
		"login":               link(base),
		"uaa":                 link(base),
		"credhub":             nil,
		"routing":             link(base + "/routing"),
		"logging":             nil,
		"log_cache":           link(base),
		"log_stream":          nil,
		"app_ssh":             nil,
	}, "cf_on_k8s": false})
}

func (s *Server) handleV3Root(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r) + "/v3"
	links := map[string]any{"self": link(base)}
	for _, name := range []string{"apps", "info", "organizations", "service_brokers", "service_credential_bindings", "service_instances", "service_offerings", "service_plans", "spaces", "jobs", "users"} {
		links[name] = link(base + "/" + name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": links})
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	enabled := s.opts.RateLimit > 0
	writeJSON(w, http.StatusOK, map[string]any{
		"build":          "cffake",
		"cli_version":    map[string]string{"minimum": "", "recommended": ""},
		"custom":         map[string]any{},
		"description":    "cfkeys fake foundation",
		"name":           "cffake",
		"version":        1,
		"osbapi_version": "2.15",
		"rate_limits":    map[string]any{"enabled": enabled, "general_limit": s.opts.RateLimit, "reset_interval_in_minutes": int(s.opts.RateWindow.Minutes())},
		"links":          map[string]any{"self": link(baseURL(r) + "/v3/info"), "support": link("https://github.com/cfkeys/cfkeys")},
	})
}
