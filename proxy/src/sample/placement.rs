//! Where each sample fetch may be used: HAProxy 2.6's check places (`SMP_CKP_*`, as
//! `SMP_VAL_*` bits) and, per fetch, the places it is valid in (`fetch->val`) and the first
//! source it reads (`sample_src_names(fetch->use)`), which HAProxy's placement messages name.
//!
//! The table is keyed by fetch name so it covers every fetch HAProxy has, whether Halo
//! implements it yet or not. It was generated from `haproxy -dKsmp` (2.6.12): the 19 rule and
//! log columns of each fetch's line, written as a string (`Y` = valid there); fetches valid
//! everywhere are left out. The sources were assigned from the patterns and names, then
//! checked against `haproxy -c` messages. The rules apply the checks (`rules/places.rs`).

/// A set of check places (HAProxy's `SMP_VAL_*` bits, in `SMP_CKP_*` order).
pub type Places = u32;

pub const FE_CON_ACC: Places = 1 << 0;
pub const FE_SES_ACC: Places = 1 << 1;
pub const FE_REQ_CNT: Places = 1 << 2;
pub const FE_HRQ_HDR: Places = 1 << 3;
pub const FE_HRQ_BDY: Places = 1 << 4;
pub const FE_SET_BCK: Places = 1 << 5;
pub const BE_REQ_CNT: Places = 1 << 6;
pub const BE_HRQ_HDR: Places = 1 << 7;
pub const BE_HRQ_BDY: Places = 1 << 8;
pub const BE_SET_SRV: Places = 1 << 9;
pub const BE_SRV_CON: Places = 1 << 10;
pub const BE_RES_CNT: Places = 1 << 11;
pub const BE_HRS_HDR: Places = 1 << 12;
pub const BE_HRS_BDY: Places = 1 << 13;
pub const BE_STO_RUL: Places = 1 << 14;
pub const FE_RES_CNT: Places = 1 << 15;
pub const FE_HRS_HDR: Places = 1 << 16;
pub const FE_HRS_BDY: Places = 1 << 17;
pub const FE_LOG_END: Places = 1 << 18;
/// Every place above.
pub const ALL: Places = (1 << 19) - 1;

/// `fetch_ckp_names`, by bit.
const CKP_NAMES: [&str; 19] = [
    "frontend tcp-request connection rule",
    "frontend tcp-request session rule",
    "frontend tcp-request content rule",
    "frontend http-request header rule",
    "frontend http-request body rule",
    "frontend use-backend rule",
    "backend tcp-request content rule",
    "backend http-request header rule",
    "backend http-request body rule",
    "backend use-server, balance or stick-match rule",
    "server source selection",
    "backend tcp-response content rule",
    "backend http-response header rule",
    "backend http-response body rule",
    "backend stick-store rule",
    "frontend tcp-response content rule",
    "frontend http-response header rule",
    "frontend http-response body rule",
    "logs",
];

/// `sample_ckp_names`: the name of the lowest place in `p`.
pub fn place_name(p: Places) -> &'static str {
    match (0..19).find(|b| p & (1 << b) != 0) {
        Some(b) => CKP_NAMES[b],
        None => "unknown sample check place, please report this bug",
    }
}

/// The first source a fetch reads (`fetch_src_names` of its lowest `use` bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    L5CLI,
    L6REQ,
    HRQHV,
    HRQHP,
    HRQBO,
    BKEND,
    SERVR,
    L4SRV,
    L5SRV,
    L6RES,
    HRSHV,
    HRSHP,
    HRSBO,
}

use Src::*;

impl Src {
    pub fn name(self) -> &'static str {
        match self {
            L5CLI => "client-side connection",
            L6REQ => "request buffer",
            HRQHV => "HTTP request headers",
            HRQHP => "HTTP request",
            HRQBO => "HTTP request body",
            BKEND => "backend",
            SERVR => "server",
            L4SRV => "server address",
            L5SRV => "server-side connection",
            L6RES => "response buffer",
            HRSHV => "HTTP response headers",
            HRSHP => "HTTP response",
            HRSBO => "HTTP response body",
        }
    }
}

/// Where a fetch may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub valid: Places,
    /// `None` for fetches valid everywhere (no message ever names their source).
    pub src: Option<Src>,
}

/// The fetches not valid everywhere: name, places (`Y` per place, in bit order), source.
const RESTRICTED: &[(&str, &str, Src)] = &[
    ("base", "..YYYYYYYYY........", HRQHV),
    ("base32", "..YYYYYYYYY........", HRQHV),
    ("base32+src", "..YYYYYYYYY........", HRQHV),
    ("baseq", "..YYYYYYYYY........", HRQHV),
    ("bc_dst", "...........YYYYYYYY", L4SRV),
    ("bc_dst_port", "...........YYYYYYYY", L4SRV),
    ("bc_err", "...........YYYYYYYY", L5SRV),
    ("bc_err_str", "...........YYYYYYYY", L5SRV),
    ("bc_http_major", "...........YYYYYYYY", L5SRV),
    ("bc_src", "...........YYYYYYYY", L4SRV),
    ("bc_src_port", "...........YYYYYYYY", L4SRV),
    ("be_id", "......YYYYYYYYYYYYY", BKEND),
    ("be_name", "......YYYYYYYYYYYYY", BKEND),
    ("be_server_timeout", "......YYYYYYYYYYYYY", BKEND),
    ("be_tunnel_timeout", "......YYYYYYYYYYYYY", BKEND),
    ("capture.req.hdr", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("capture.req.method", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("capture.req.uri", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("capture.req.ver", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("capture.res.hdr", "...........YYYYYYYY", HRSHP),
    ("capture.res.ver", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("cook", "..YYYYYYYYY........", HRQHV),
    ("cook_cnt", "..YYYYYYYYY........", HRQHV),
    ("cook_val", "..YYYYYYYYY........", HRQHV),
    ("cookie", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("cur_server_timeout", "......YYYYYYYYYYYYY", BKEND),
    ("cur_tunnel_timeout", "......YYYYYYYYYYYYY", BKEND),
    ("distcc_body", "..YYYYYYYYYYYYYYYY.", L6REQ),
    ("distcc_param", "..YYYYYYYYYYYYYYYY.", L6REQ),
    ("fcgi.docroot", "..YYYYYYYYY........", HRQHV),
    ("fcgi.index", "..YYYYYYYYY........", HRQHV),
    ("hdr", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("hdr_cnt", "..YYYYYYYYY........", HRQHV),
    ("hdr_ip", "..YYYYYYYYY........", HRQHV),
    ("hdr_val", "..YYYYYYYYY........", HRQHV),
    ("http_auth", "..YYYYYYYYY........", HRQHV),
    ("http_auth_bearer", "..YYYYYYYYY........", HRQHV),
    ("http_auth_group", "..YYYYYYYYY........", HRQHV),
    ("http_auth_pass", "..YYYYYYYYY........", HRQHV),
    ("http_auth_type", "..YYYYYYYYY........", HRQHV),
    ("http_auth_user", "..YYYYYYYYY........", HRQHV),
    ("http_first_req", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("internal.htx.data", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx.free", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx.free_data", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx.has_eom", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx.nbblks", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx.size", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx.used", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx_blk.data", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx_blk.hdrname", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx_blk.hdrval", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx_blk.size", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx_blk.start_line", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("internal.htx_blk.type", "..YYYYYYYYYYYYYYYY.", HRQHV),
    ("method", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("path", "..YYYYYYYYY........", HRQHV),
    ("pathq", "..YYYYYYYYY........", HRQHV),
    ("payload", "..YYYYYYYYYYYYYYYY.", L6REQ),
    ("payload_lv", "..YYYYYYYYYYYYYYYY.", L6REQ),
    ("query", "..YYYYYYYYY........", HRQHV),
    ("rdp_cookie", "..YYYYYYYYY........", L6REQ),
    ("rdp_cookie_cnt", "..YYYYYYYYY........", L6REQ),
    ("rep_ssl_hello_type", "...........YYYYYYY.", L6RES),
    ("req.body", "..YYYYYYYYY........", HRQBO),
    ("req.body_len", "..YYYYYYYYY........", HRQBO),
    ("req.body_param", "..YYYYYYYYY........", HRQBO),
    ("req.body_size", "..YYYYYYYYY........", HRQBO),
    ("req.cook", "..YYYYYYYYY........", HRQHV),
    ("req.cook_cnt", "..YYYYYYYYY........", HRQHV),
    ("req.cook_val", "..YYYYYYYYY........", HRQHV),
    ("req.fhdr", "..YYYYYYYYY........", HRQHV),
    ("req.fhdr_cnt", "..YYYYYYYYY........", HRQHV),
    ("req.hdr", "..YYYYYYYYY........", HRQHV),
    ("req.hdr_cnt", "..YYYYYYYYY........", HRQHV),
    ("req.hdr_ip", "..YYYYYYYYY........", HRQHV),
    ("req.hdr_names", "..YYYYYYYYY........", HRQHV),
    ("req.hdr_val", "..YYYYYYYYY........", HRQHV),
    ("req.hdrs", "..YYYYYYYYY........", HRQHV),
    ("req.hdrs_bin", "..YYYYYYYYY........", HRQHV),
    ("req.len", "..YYYYYYYYY........", L6REQ),
    ("req.payload", "..YYYYYYYYY........", L6REQ),
    ("req.payload_lv", "..YYYYYYYYY........", L6REQ),
    ("req.proto_http", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("req.rdp_cookie", "..YYYYYYYYY........", L6REQ),
    ("req.rdp_cookie_cnt", "..YYYYYYYYY........", L6REQ),
    ("req.ssl_alpn", "..YYYYYYYYY........", L6REQ),
    ("req.ssl_ec_ext", "..YYYYYYYYY........", L6REQ),
    ("req.ssl_hello_type", "..YYYYYYYYY........", L6REQ),
    ("req.ssl_sni", "..YYYYYYYYY........", L6REQ),
    ("req.ssl_st_ext", "..YYYYYYYYY........", L6REQ),
    ("req.ssl_ver", "..YYYYYYYYY........", L6REQ),
    ("req.ver", "..YYYYYYYYY........", HRQHV),
    ("req_len", "..YYYYYYYYY........", L6REQ),
    ("req_proto_http", "..YYYYYYYYYYYYYYYYY", HRQHP),
    ("req_ssl_hello_type", "..YYYYYYYYY........", L6REQ),
    ("req_ssl_sni", "..YYYYYYYYY........", L6REQ),
    ("req_ssl_ver", "..YYYYYYYYY........", L6REQ),
    ("req_ver", "..YYYYYYYYY........", HRQHV),
    ("res.body", "...........YYYYYYY.", HRSBO),
    ("res.body_len", "...........YYYYYYY.", HRSBO),
    ("res.body_size", "...........YYYYYYY.", HRSBO),
    ("res.cache_hit", "..........YYYYYYYYY", HRSHP),
    ("res.cache_name", "..........YYYYYYYYY", HRSHP),
    ("res.comp", "...........YYYYYYYY", HRSHP),
    ("res.comp_algo", "...........YYYYYYYY", HRSHP),
    ("res.cook", "...........YYYYYYY.", HRSHV),
    ("res.cook_cnt", "...........YYYYYYY.", HRSHV),
    ("res.cook_val", "...........YYYYYYY.", HRSHV),
    ("res.fhdr", "...........YYYYYYY.", HRSHV),
    ("res.fhdr_cnt", "...........YYYYYYY.", HRSHV),
    ("res.hdr", "...........YYYYYYY.", HRSHV),
    ("res.hdr_cnt", "...........YYYYYYY.", HRSHV),
    ("res.hdr_ip", "...........YYYYYYY.", HRSHV),
    ("res.hdr_names", "...........YYYYYYY.", HRSHV),
    ("res.hdr_val", "...........YYYYYYY.", HRSHV),
    ("res.hdrs", "...........YYYYYYY.", HRSHV),
    ("res.hdrs_bin", "...........YYYYYYY.", HRSHV),
    ("res.len", "...........YYYYYYY.", L6RES),
    ("res.payload", "...........YYYYYYY.", L6RES),
    ("res.payload_lv", "...........YYYYYYY.", L6RES),
    ("res.ssl_hello_type", "...........YYYYYYY.", L6RES),
    ("res.ver", "...........YYYYYYY.", HRSHV),
    ("resp_ver", "...........YYYYYYY.", HRSHV),
    ("scook", "...........YYYYYYY.", HRSHV),
    ("scook_cnt", "...........YYYYYYY.", HRSHV),
    ("scook_val", "...........YYYYYYY.", HRSHV),
    ("shdr", "...........YYYYYYY.", HRSHV),
    ("shdr_cnt", "...........YYYYYYY.", HRSHV),
    ("shdr_ip", "...........YYYYYYY.", HRSHV),
    ("shdr_val", "...........YYYYYYY.", HRSHV),
    ("srv_id", "..........YYYYYYYYY", SERVR),
    ("srv_name", "..........YYYYYYYYY", SERVR),
    ("ssl_bc", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_alg_keysize", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_alpn", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_cipher", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_client_random", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_err", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_err_str", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_is_resumed", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_npn", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_protocol", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_server_random", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_session_id", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_session_key", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_unique_id", "...........YYYYYYYY", L5SRV),
    ("ssl_bc_use_keysize", "...........YYYYYYYY", L5SRV),
    ("ssl_c_ca_err", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_ca_err_depth", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_chain_der", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_der", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_err", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_i_dn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_key_alg", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_notafter", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_notbefore", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_s_dn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_serial", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_sha1", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_sig_alg", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_used", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_verify", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_c_version", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_der", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_i_dn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_key_alg", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_notafter", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_notbefore", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_s_dn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_serial", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_sha1", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_sig_alg", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_f_version", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_alg_keysize", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_alpn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_cipher", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_cipherlist_bin", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_cipherlist_hex", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_cipherlist_str", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_cipherlist_xxh", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    (
        "ssl_fc_client_early_traffic_secret",
        ".YYYYYYYYYYYYYYYYYY",
        L5CLI,
    ),
    (
        "ssl_fc_client_handshake_traffic_secret",
        ".YYYYYYYYYYYYYYYYYY",
        L5CLI,
    ),
    ("ssl_fc_client_random", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    (
        "ssl_fc_client_traffic_secret_0",
        ".YYYYYYYYYYYYYYYYYY",
        L5CLI,
    ),
    ("ssl_fc_early_exporter_secret", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_ecformats_bin", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_eclist_bin", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_err", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_err_str", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_exporter_secret", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_extlist_bin", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_has_crt", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_has_early", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_has_sni", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_is_resumed", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_npn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_protocol", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_protocol_hello_id", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    (
        "ssl_fc_server_handshake_traffic_secret",
        ".YYYYYYYYYYYYYYYYYY",
        L5CLI,
    ),
    ("ssl_fc_server_random", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    (
        "ssl_fc_server_traffic_secret_0",
        ".YYYYYYYYYYYYYYYYYY",
        L5CLI,
    ),
    ("ssl_fc_session_id", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_session_key", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_sni", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_unique_id", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_fc_use_keysize", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_chain_der", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_der", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_i_dn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_key_alg", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_notafter", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_notbefore", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_s_dn", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_serial", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_sha1", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_sig_alg", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("ssl_s_version", ".YYYYYYYYYYYYYYYYYY", L5CLI),
    ("status", "...........YYYYYYYY", HRSHP),
    ("url", "..YYYYYYYYY........", HRQHV),
    ("url32", "..YYYYYYYYY........", HRQHV),
    ("url32+src", "..YYYYYYYYY........", HRQHV),
    ("url_ip", "..YYYYYYYYY........", HRQHV),
    ("url_param", "..YYYYYYYYY........", HRQHV),
    ("url_port", "..YYYYYYYYY........", HRQHV),
    ("urlp", "..YYYYYYYYY........", HRQHV),
    ("urlp_val", "..YYYYYYYYY........", HRQHV),
];

const fn places_of(pattern: &str) -> Places {
    let b = pattern.as_bytes();
    let mut p = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'Y' {
            p |= 1 << i;
        }
        i += 1;
    }
    p
}

/// A fetch's placement by name (as written: `path`, `req.hdr`, `lua.x`). Lua fetches are
/// registered by HAProxy with `SMP_USE_HTTP_ANY`; names HAProxy does not know are treated as
/// valid everywhere.
pub fn of_fetch(name: &str) -> Placement {
    if name.starts_with("lua.") {
        return Placement {
            valid: ALL & !(FE_CON_ACC | FE_SES_ACC),
            src: Some(HRQHV),
        };
    }
    match RESTRICTED.iter().find(|(n, _, _)| *n == name) {
        Some((_, pattern, src)) => Placement {
            valid: places_of(pattern),
            src: Some(*src),
        },
        None => Placement {
            valid: ALL,
            src: None,
        },
    }
}

impl Placement {
    /// Whether the fetch is usable in at least one of `p` (HAProxy's `fetch->val & where`).
    pub fn usable_in(&self, p: Places) -> bool {
        self.valid & p != 0
    }

    /// Whether the fetch reads the HTTP message (HAProxy's `use & SMP_USE_HTTP_ANY`, judged by
    /// its first source), which Lua services may not fetch.
    pub fn uses_http(&self) -> bool {
        matches!(
            self.src,
            Some(HRQHV | HRQHP | HRQBO | HRSHV | HRSHP | HRSBO)
        )
    }

    pub fn src_name(&self) -> &'static str {
        self.src.map_or("internal state", Src::name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_as_recorded() {
        let path = of_fetch("path");
        assert!(path.usable_in(FE_HRQ_HDR | FE_HRS_HDR));
        assert!(!path.usable_in(FE_HRS_HDR | BE_HRS_HDR | FE_LOG_END));
        assert_eq!(path.src_name(), "HTTP request headers");
        let status = of_fetch("status");
        assert!(status.usable_in(FE_LOG_END) && !status.usable_in(FE_HRQ_HDR));
        assert_eq!(status.src_name(), "HTTP response");
        assert!(of_fetch("src").usable_in(FE_CON_ACC));
        assert!(!of_fetch("lua.x").usable_in(FE_CON_ACC));
        assert!(!of_fetch("res.len").usable_in(FE_LOG_END));
        assert!(path.uses_http() && status.uses_http() && of_fetch("lua.x").uses_http());
        assert!(!of_fetch("req.len").uses_http() && !of_fetch("src").uses_http());
        assert_eq!(
            place_name(FE_HRS_HDR | BE_HRS_HDR),
            "backend http-response header rule"
        );
        assert_eq!(place_name(FE_LOG_END), "logs");
        // Every pattern has one column per place.
        assert!(RESTRICTED.iter().all(|(_, p, _)| p.len() == 19));
    }
}
