//! Stored code lists. Portable string columns (no native PostgreSQL enums), so the same
//! migrations and queries work on SQLite and PostgreSQL.

code_enum! {
    /// Organisation types (docs/domain.md §6.1) plus the local authority's own services.
    AgencyType {
        LaChildrensSocialCare = "LA_CHILDRENS_SOCIAL_CARE",
        LaEarlyHelp = "LA_EARLY_HELP",
        School = "SCHOOL",
        EarlyYears = "EARLY_YEARS",
        PupilWelfare = "PUPIL_WELFARE",
        Gp = "GP",
        HealthVisitor = "HEALTH_VISITOR",
        SchoolNurse = "SCHOOL_NURSE",
        Midwife = "MIDWIFE",
        Camhs = "CAMHS",
        DrugService = "DRUG_SERVICE",
        Housing = "HOUSING",
        YouthJustice = "YOUTH_JUSTICE",
        Police = "POLICE",
        Probation = "PROBATION",
        Prison = "PRISON",
        ChildrensCentre = "CHILDRENS_CENTRE",
        Fire = "FIRE",
        VoluntarySector = "VOLUNTARY_SECTOR",
    }
}

code_enum! {
    /// Sex as in the CIN census 2024-25 (`F`, `M`, `U`).
    Sex {
        Female = "F",
        Male = "M",
        Unknown = "U",
    }
}

code_enum! {
    /// CIN census ethnicity codes (docs/domain.md §6.5).
    Ethnicity {
        Wbri = "WBRI",
        Wiri = "WIRI",
        Wirt = "WIRT",
        Woth = "WOTH",
        Wrom = "WROM",
        Mwbc = "MWBC",
        Mwba = "MWBA",
        Mwas = "MWAS",
        Moth = "MOTH",
        Aind = "AIND",
        Apkn = "APKN",
        Aban = "ABAN",
        Aoth = "AOTH",
        Bcrb = "BCRB",
        Bafr = "BAFR",
        Both = "BOTH",
        Chne = "CHNE",
        Ooth = "OOTH",
        Refu = "REFU",
        Nobt = "NOBT",
    }
}

code_enum! {
    /// A household member's relationship to the child.
    Relationship {
        Mother = "MOTHER",
        Father = "FATHER",
        StepParent = "STEP_PARENT",
        PartnerOfParent = "PARTNER_OF_PARENT",
        Grandparent = "GRANDPARENT",
        Sibling = "SIBLING",
        HalfSibling = "HALF_SIBLING",
        AuntOrUncle = "AUNT_OR_UNCLE",
        FosterCarer = "FOSTER_CARER",
        OtherRelative = "OTHER_RELATIVE",
        Other = "OTHER",
    }
}

code_enum! {
    /// What kind of social-care involvement a case is.
    CaseKind {
        /// Child and family assessment (Children Act 1989 s17).
        Assessment = "ASSESSMENT",
        ChildInNeed = "CHILD_IN_NEED",
        ChildProtection = "CHILD_PROTECTION",
        LookedAfter = "LOOKED_AFTER",
    }
}

code_enum! {
    CaseStatus {
        Open = "OPEN",
        Closed = "CLOSED",
    }
}

code_enum! {
    /// CIN census reason for closure (RC1-RC9).
    ClosureReason {
        /// RC1
        Adopted = "RC1",
        /// RC2
        Died = "RC2",
        /// RC3
        ChildArrangementsOrder = "RC3",
        /// RC4
        SpecialGuardianshipOrder = "RC4",
        /// RC5
        TransferredToAnotherLa = "RC5",
        /// RC6
        TransferredToAdultSocialCare = "RC6",
        /// RC7: services ceased for any other reason, including no longer in need.
        ServicesCeased = "RC7",
        /// RC8
        NoFurtherActionAfterAssessment = "RC8",
        /// RC9
        ReferredToEarlyHelp = "RC9",
    }
}

code_enum! {
    /// A transition in a case's life, kept as a row (never a flag on the case).
    CaseEventKind {
        Opened = "OPENED",
        Allocated = "ALLOCATED",
        Closed = "CLOSED",
    }
}

code_enum! {
    /// The four levels of need (docs/domain.md §2).
    Level {
        Universal = "UNIVERSAL",
        UniversalPlus = "UNIVERSAL_PLUS",
        Intensive = "INTENSIVE",
        Specialist = "SPECIALIST",
    }
}

code_enum! {
    /// What an audit row records (ICO logging pattern, docs/domain.md §8.4).
    AuditAction {
        Read = "READ",
        Create = "CREATE",
        Update = "UPDATE",
        Search = "SEARCH",
    }
}

code_enum! {
    AuditOutcome {
        Allowed = "ALLOWED",
        Denied = "DENIED",
    }
}

code_enum! {
    /// Where a request for support is in its life.
    RequestStatus {
        /// Made by an early help step up and not yet submitted: its author's alone, never in the
        /// hub's queue.
        Draft = "DRAFT",
        Received = "RECEIVED",
        Decided = "DECIDED",
        /// Withdrawn by the referrer before the hub decided it.
        Withdrawn = "WITHDRAWN",
    }
}

code_enum! {
    /// Where an assessment is in its life (docs/domain.md §4.4).
    EarlyHelpStatus {
        /// Started; no plan agreed yet.
        Assessment = "ASSESSMENT",
        /// A plan has been agreed and is being reviewed.
        PlanActive = "PLAN_ACTIVE",
        Closed = "CLOSED",
    }
}
