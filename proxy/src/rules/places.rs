//! Where a rule's samples are evaluated, and HAProxy 2.6's checks of the fetches it names
//! against that place (`sample::placement`): expressions and log formats refused at load
//! ("fetch method ... none of which is available here", "sample fetch <...> may not be
//! reliably used here ..."), conditions warned about (`warnif_cond_conflicts` and the tcp
//! rules' variant).

use crate::sample::acl::{Acl, Cond};
use crate::sample::expr::SampleExpr;
use crate::sample::placement::{self, Places, *};

use super::{ProxyCtx, ProxyKind};

/// The rule sets, as their places differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSet {
    TcpConnection,
    TcpContent,
    TcpResponse,
    HttpRequest,
    /// `http-response` and `http-after-response`.
    HttpResponse,
    UseBackend,
}

/// (frontend capability, backend capability); defaults sections have both.
fn caps(ctx: &ProxyCtx) -> (bool, bool) {
    match ctx.kind {
        ProxyKind::Frontend => (true, false),
        ProxyKind::Backend => (false, true),
        ProxyKind::Listen | ProxyKind::Defaults => (true, true),
    }
}

fn either(fe: bool, fe_place: Places, be: bool, be_place: Places) -> Places {
    (if fe { fe_place } else { 0 }) | (if be { be_place } else { 0 })
}

/// Where a rule's expressions and log formats run: one place per capability of the section.
pub fn sample_places(ctx: &ProxyCtx, set: RuleSet) -> Places {
    let (fe, be) = caps(ctx);
    match set {
        RuleSet::TcpConnection => FE_CON_ACC,
        RuleSet::TcpContent => either(fe, FE_REQ_CNT, be, BE_REQ_CNT),
        RuleSet::TcpResponse => either(fe, FE_RES_CNT, be, BE_RES_CNT),
        RuleSet::HttpRequest => either(fe, FE_HRQ_HDR, be, BE_HRQ_HDR),
        RuleSet::HttpResponse => either(fe, FE_HRS_HDR, be, BE_HRS_HDR),
        // A dynamic `use_backend` name is a log format checked as a request header rule.
        RuleSet::UseBackend => FE_HRQ_HDR,
    }
}

/// Where a rule's condition is checked: the tcp rules use `sample_places`; the others one
/// place (HAProxy prefers the frontend for requests, the backend for responses).
fn cond_places(ctx: &ProxyCtx, set: RuleSet) -> Places {
    let (fe, be) = caps(ctx);
    match set {
        RuleSet::HttpRequest if fe => FE_HRQ_HDR,
        RuleSet::HttpRequest => BE_HRQ_HDR,
        RuleSet::HttpResponse if be => BE_HRS_HDR,
        RuleSet::HttpResponse => FE_HRS_HDR,
        RuleSet::UseBackend => FE_SET_BCK,
        _ => sample_places(ctx, set),
    }
}

/// `set-var`'s expression (`word` is the action as written, which HAProxy 2.6 names as the
/// fetch in its message).
pub fn check_expr(word: &str, expr: &SampleExpr, places: Places) -> Result<(), String> {
    let p = placement::of_fetch(&expr.fetch_name());
    if p.usable_in(places) {
        return Ok(());
    }
    Err(format!(
        "fetch method '{word}' extracts information from '{}', none of which is available here",
        p.src_name()
    ))
}

fn acl_places(acl: &Acl) -> Places {
    acl.exprs.iter().fold(0, |v, e| {
        v | placement::of_fetch(&e.expr.fetch_name()).valid
    })
}

/// The warning HAProxy prints for a condition using fetches the rule's place lacks: an ACL
/// that can never match, else the first keyword that cannot. `tcp_rule` is the rule's name
/// for the tcp rules' wording ("tcp-request content"), `None` for the others.
pub fn cond_warning(
    ctx: &ProxyCtx,
    set: RuleSet,
    cond: &Cond,
    tcp_rule: Option<&str>,
) -> Option<String> {
    let places = cond_places(ctx, set);
    let at = placement::place_name(places);
    let terms = || cond.suites.iter().flatten();
    let first_kw = |acl: &Acl| acl.exprs.first().map(|e| e.kw.clone()).unwrap_or_default();
    if let Some(t) = terms().find(|t| acl_places(&t.acl) & places == 0) {
        let within = tcp_rule.map(|r| format!(" in '{r}'")).unwrap_or_default();
        return Some(if t.named {
            format!(
                "acl '{}' will never match{within} because it only involves keywords that are incompatible with '{at}'",
                t.acl.name
            )
        } else {
            format!(
                "anonymous acl will never match{within} because it uses keyword '{}' which is incompatible with '{at}'",
                first_kw(&t.acl)
            )
        });
    }
    for t in terms() {
        if let Some(e) = t
            .acl
            .exprs
            .iter()
            .find(|e| !placement::of_fetch(&e.expr.fetch_name()).usable_in(places))
        {
            // HAProxy's two wordings differ by one letter for named ACLs.
            let keywords = if tcp_rule.is_some() {
                "keyword"
            } else {
                "keywords"
            };
            return Some(if t.named {
                format!(
                    "acl '{}' involves {keywords} '{}' which is incompatible with '{at}'",
                    t.acl.name, e.kw
                )
            } else {
                format!(
                    "anonymous acl involves keyword '{}' which is incompatible with '{at}'",
                    e.kw
                )
            });
        }
    }
    None
}
