//! Properties of the domain's state machines over random histories (proptest), beyond the
//! examples in the unit tests: what a need's workflow and a booking's life may and may not do
//! whatever order people act in, and that stock never goes below zero.

use proptest::prelude::*;
use wushe_domain::needs::{EventKind, NeedStatus, replay};
use wushe_domain::resources::{BookingStatus, apply_stock};

fn event() -> impl Strategy<Value = EventKind> {
    prop::sample::select(EventKind::ALL.to_vec())
}

fn status() -> impl Strategy<Value = NeedStatus> {
    prop::sample::select(NeedStatus::ALL.to_vec())
}

proptest! {
    /// Replaying a timeline is folding `apply` over it: the same status, or the first refusal.
    #[test]
    fn replay_is_the_fold_of_apply(events in prop::collection::vec(event(), 0..24)) {
        let mut timeline = vec![EventKind::Submitted];
        timeline.extend(events.iter().copied());
        let mut folded = Ok(NeedStatus::Submitted);
        for e in &events {
            folded = folded.and_then(|s: NeedStatus| s.apply(*e));
        }
        prop_assert_eq!(replay(&timeline), folded);
    }

    /// Rejected and merged needs are final; a confirmed one takes only comments.
    #[test]
    fn closed_needs_take_no_more_work(s in status(), e in event()) {
        let r = s.apply(e);
        match s {
            NeedStatus::Rejected | NeedStatus::Merged => prop_assert!(r.is_err(), "{:?} after {:?}", e, s),
            NeedStatus::Confirmed => prop_assert_eq!(r.is_ok(), e == EventKind::Commented),
            _ => {}
        }
    }

    /// Whatever happened before, a need is confirmed only right after it was resolved, and a
    /// released claim always leaves it accepted and unassigned.
    #[test]
    fn confirmation_follows_resolution_and_release_goes_back_to_accepted(events in prop::collection::vec(event(), 1..30)) {
        let mut s = NeedStatus::Submitted;
        for e in events {
            let Ok(next) = s.apply(e) else { continue };
            if next == NeedStatus::Confirmed && s != NeedStatus::Confirmed {
                prop_assert_eq!(s, NeedStatus::Resolved);
            }
            if e == EventKind::Released {
                prop_assert_eq!(next, NeedStatus::Accepted);
            }
            s = next;
        }
    }

    /// The steps a page offers are exactly the workflow steps that apply, and none closes a
    /// closed need again.
    #[test]
    fn offered_steps_are_the_ones_that_apply(s in status()) {
        for e in s.next_events() {
            let next = s.apply(e);
            prop_assert!(next.is_ok(), "offered {:?} on {:?}", e, s);
        }
        if s.is_closed() {
            prop_assert!(s.next_events().is_empty());
        }
    }

    /// Only a requested booking is decided; only a holding one is cancelled, and a cancelled
    /// booking holds nothing, so its slots are free again.
    #[test]
    fn a_booking_is_decided_once_and_cancelling_frees_it(
        steps in prop::collection::vec(prop::sample::select(vec![0u8, 1, 2]), 0..12)
    ) {
        let mut b = BookingStatus::Requested;
        let mut decided = false;
        for step in steps {
            let r = match step { 0 => b.decide(true), 1 => b.decide(false), _ => b.cancel() };
            match (step, r) {
                (0 | 1, Ok(next)) => { prop_assert!(!decided && b == BookingStatus::Requested); decided = true; b = next; }
                (_, Ok(next)) => { prop_assert!(b.holds()); prop_assert!(!next.holds()); b = next; }
                (_, Err(_)) => {}
            }
        }
    }

    /// Stock moves in any order leave a level that is the sum of the moves accepted and never
    /// below zero; a refused move changes nothing.
    #[test]
    fn stock_never_goes_below_zero(start in 0i64..1000, moves in prop::collection::vec(-500i64..500, 0..40)) {
        let mut level = start;
        let mut accepted = start;
        for m in moves {
            match apply_stock(level, m) {
                Ok(next) => { prop_assert!(next >= 0); prop_assert_eq!(next, level + m); accepted += m; level = next; }
                Err(_) => prop_assert!(m == 0 || level + m < 0),
            }
        }
        prop_assert_eq!(level, accepted);
    }
}
