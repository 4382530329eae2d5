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
    /// Factors identified (CIN census `AssessmentFactors`, docs/domain.md §6.3), used as concern categories.
    ConcernCategory {
        AlcoholMisuseChild = "1A", AlcoholMisuseParent = "1B", AlcoholMisuseOther = "1C",
        DrugMisuseChild = "2A", DrugMisuseParent = "2B", DrugMisuseOther = "2C",
        DomesticAbuseChild = "3A", DomesticAbuseParent = "3B", DomesticAbuseOther = "3C",
        MentalHealthChild = "4A", MentalHealthParent = "4B", MentalHealthOther = "4C",
        LearningDisabilityChild = "5A", LearningDisabilityParent = "5B", LearningDisabilityOther = "5C",
        PhysicalDisabilityOrIllnessChild = "6A", PhysicalDisabilityOrIllnessParent = "6B", PhysicalDisabilityOrIllnessOther = "6C",
        YoungCarer = "7A",
        PrivatelyFosteredOverseasReturning = "8B", PrivatelyFosteredOverseasStaying = "8C",
        PrivatelyFosteredUkEducational = "8D", PrivatelyFosteredUkFamilyArrangement = "8E", PrivatelyFosteredOther = "8F",
        UnaccompaniedAsylumSeeking = "9A",
        GoingMissing = "10A", ChildSexualExploitation = "11A", Trafficking = "12A", Gangs = "13A",
        SociallyUnacceptableBehaviour = "14A", SelfHarm = "15A", ChildCriminalExploitation = "24A",
        Neglect = "16A", EmotionalAbuse = "17A",
        PhysicalAbuseChildOnChild = "18B", PhysicalAbuseAdultOnChild = "18C",
        SexualAbuseChildOnChild = "19B", SexualAbuseAdultOnChild = "19C",
        FemaleGenitalMutilation = "22A", AbuseLinkedToFaithOrBelief = "23A",
        Other = "20",
    }
}
