//! Guidance at intake: what the thresholds guidance expects of a request that was accepted all
//! the same (docs/domain.md R7 and §2). A warning never stops a request; it tells the referrer
//! what to do next time, or what else may fit the family better.
use super::*;

code_enum! {
    /// Something the thresholds guidance expects that an accepted request did not show.
    IntakeWarningCode {
        /// Submitted without talking the concerns over with the organisation's safeguarding lead.
        NoSafeguardingLeadDiscussion = "NO_SAFEGUARDING_LEAD_DISCUSSION",
        /// The referrer judged the needs at level 1 (universal) or 2 (universal plus).
        BelowStatutoryThreshold = "BELOW_STATUTORY_THRESHOLD",
    }
}

/// One piece of guidance about an accepted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeWarning {
    pub code: IntakeWarningCode,
    pub message: &'static str,
}

/// The guidance that applies to a stored request, in a fixed order; empty when none does.
pub fn intake_warnings(r: &rfs::Model) -> Vec<IntakeWarning> {
    let mut out = vec![];
    if !r.discussed_with_safeguarding_lead {
        out.push(IntakeWarning {
            code: IntakeWarningCode::NoSafeguardingLeadDiscussion,
            message: "The thresholds guidance expects you to talk your concerns over with your own \
                      organisation's safeguarding lead before asking for support. Please discuss this \
                      request with them now; the advice line can also help.",
        });
    }
    if matches!(r.referrer_level, Level::Universal | Level::UniversalPlus) {
        out.push(IntakeWarning {
            code: IntakeWarningCode::BelowStatutoryThreshold,
            message: "You judged the needs at level 1 or 2. Universal services, or an early help \
                      assessment led by a practitioner who knows the family, may meet them better \
                      than a request for support.",
        });
    }
    out
}
