//! Helpers for code lists stored as short strings (declared with `entity::code_enum!`, the one
//! mechanism for code lists), and the concern categories requests and the advice line share.

use entity::code_enum;

/// Stores a list of codes as one comma-separated column.
pub fn join<T: Copy>(items: &[T], code: impl Fn(T) -> &'static str) -> String {
    items.iter().map(|i| code(*i)).collect::<Vec<_>>().join(",")
}

/// Reads a comma-separated column back; unknown codes are skipped (and logged, without data).
pub fn split<T>(s: &str, from: impl Fn(&str) -> Option<T>) -> Vec<T> {
    s.split(',')
        .filter(|c| !c.is_empty())
        .filter_map(|c| {
            let v = from(c);
            if v.is_none() {
                tracing::warn!("unknown stored code skipped");
            }
            v
        })
        .collect()
}

code_enum! {
    // Factors identified: CIN census `AssessmentFactors`, docs/domain.md §6.3.
    /// A category of concern, from the children in need (CIN) census list of factors identified
    /// at assessment.
    ConcernCategory {
        /// Alcohol misuse by the child (census code 1A).
        AlcoholMisuseChild = "1A",
        /// Alcohol misuse by a parent or carer (census code 1B).
        AlcoholMisuseParent = "1B",
        /// Alcohol misuse by another person (census code 1C).
        AlcoholMisuseOther = "1C",
        /// Drug misuse by the child (census code 2A).
        DrugMisuseChild = "2A",
        /// Drug misuse by a parent or carer (census code 2B).
        DrugMisuseParent = "2B",
        /// Drug misuse by another person (census code 2C).
        DrugMisuseOther = "2C",
        /// Domestic abuse, with the child as the subject (census code 3A).
        DomesticAbuseChild = "3A",
        /// Domestic abuse, with a parent or carer as the subject (census code 3B).
        DomesticAbuseParent = "3B",
        /// Domestic abuse, with another person as the subject (census code 3C).
        DomesticAbuseOther = "3C",
        /// Mental health concerns about the child (census code 4A).
        MentalHealthChild = "4A",
        /// Mental health concerns about a parent or carer (census code 4B).
        MentalHealthParent = "4B",
        /// Mental health concerns about another person (census code 4C).
        MentalHealthOther = "4C",
        /// Learning disability of the child (census code 5A).
        LearningDisabilityChild = "5A",
        /// Learning disability of a parent or carer (census code 5B).
        LearningDisabilityParent = "5B",
        /// Learning disability of another person (census code 5C).
        LearningDisabilityOther = "5C",
        /// Physical disability or illness of the child (census code 6A).
        PhysicalDisabilityOrIllnessChild = "6A",
        /// Physical disability or illness of a parent or carer (census code 6B).
        PhysicalDisabilityOrIllnessParent = "6B",
        /// Physical disability or illness of another person (census code 6C).
        PhysicalDisabilityOrIllnessOther = "6C",
        /// The child is a young carer (census code 7A).
        YoungCarer = "7A",
        /// Privately fostered: a child from overseas who intends to return home (census code 8B).
        PrivatelyFosteredOverseasReturning = "8B",
        /// Privately fostered: a child from overseas who intends to stay (census code 8C).
        PrivatelyFosteredOverseasStaying = "8C",
        /// Privately fostered: a UK child in an educational placement (census code 8D).
        PrivatelyFosteredUkEducational = "8D",
        /// Privately fostered: a UK child in alternative family arrangements (census code 8E).
        PrivatelyFosteredUkFamilyArrangement = "8E",
        /// Privately fostered: other (census code 8F).
        PrivatelyFosteredOther = "8F",
        /// Unaccompanied asylum-seeking child (census code 9A).
        UnaccompaniedAsylumSeeking = "9A",
        /// Going or being missing (census code 10A).
        GoingMissing = "10A",
        /// Child sexual exploitation (census code 11A).
        ChildSexualExploitation = "11A",
        /// Trafficking (census code 12A).
        Trafficking = "12A",
        /// Gangs (census code 13A).
        Gangs = "13A",
        /// Socially unacceptable behaviour (census code 14A).
        SociallyUnacceptableBehaviour = "14A",
        /// Self-harm (census code 15A).
        SelfHarm = "15A",
        /// Child criminal exploitation (census code 24A).
        ChildCriminalExploitation = "24A",
        /// Neglect (census code 16A). A request for support about neglect at level 4 (specialist)
        /// needs a completed neglect screening.
        Neglect = "16A",
        /// Emotional abuse (census code 17A).
        EmotionalAbuse = "17A",
        /// Physical abuse of the child by another child (census code 18B).
        PhysicalAbuseChildOnChild = "18B",
        /// Physical abuse of the child by an adult (census code 18C).
        PhysicalAbuseAdultOnChild = "18C",
        /// Sexual abuse of the child by another child (census code 19B).
        SexualAbuseChildOnChild = "19B",
        /// Sexual abuse of the child by an adult (census code 19C).
        SexualAbuseAdultOnChild = "19C",
        /// Female genital mutilation, FGM (census code 22A).
        FemaleGenitalMutilation = "22A",
        /// Abuse linked to faith or belief (census code 23A).
        AbuseLinkedToFaithOrBelief = "23A",
        /// Another concern, not listed here (census code 20).
        Other = "20",
    }
}
