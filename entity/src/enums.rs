//! Stored code lists. Portable string columns (no native PostgreSQL enums), so the same
//! migrations and queries work on SQLite and PostgreSQL.

code_enum! {
    // Organisation types: docs/domain.md §6.1, plus the local authority's own services.
    /// The kind of organisation a practitioner works for: a partner agency, or one of the local
    /// authority's own services.
    AgencyType {
        /// The local authority's children's social care service.
        LaChildrensSocialCare = "LA_CHILDRENS_SOCIAL_CARE",
        /// The local authority's early help service.
        LaEarlyHelp = "LA_EARLY_HELP",
        /// A school, including an independent school.
        School = "SCHOOL",
        /// An early years setting, such as a nursery, pre-school or childminder.
        EarlyYears = "EARLY_YEARS",
        /// A pupil welfare (education welfare) service.
        PupilWelfare = "PUPIL_WELFARE",
        /// A GP practice.
        Gp = "GP",
        /// A health visiting service.
        HealthVisitor = "HEALTH_VISITOR",
        /// A school nursing service.
        SchoolNurse = "SCHOOL_NURSE",
        /// A midwifery service.
        Midwife = "MIDWIFE",
        /// Child and adolescent mental health services (CAMHS).
        Camhs = "CAMHS",
        /// A drug service.
        DrugService = "DRUG_SERVICE",
        /// A housing service: the council's own or a housing association.
        Housing = "HOUSING",
        /// The youth justice (youth offending) service.
        YouthJustice = "YOUTH_JUSTICE",
        /// The police.
        Police = "POLICE",
        /// The probation service.
        Probation = "PROBATION",
        /// A prison.
        Prison = "PRISON",
        /// A children's centre.
        ChildrensCentre = "CHILDRENS_CENTRE",
        /// The fire and rescue service.
        Fire = "FIRE",
        /// A voluntary or community sector organisation.
        VoluntarySector = "VOLUNTARY_SECTOR",
    }
}

code_enum! {
    /// The child's sex, as recorded for the children in need (CIN) census from 2024-25.
    Sex {
        /// Female (census code F).
        Female = "F",
        /// Male (census code M).
        Male = "M",
        /// Not known or not recorded, for example for an unborn child (census code U).
        Unknown = "U",
    }
}

code_enum! {
    // CIN census ethnicity codes: docs/domain.md §6.5.
    /// The child's ethnicity, from the children in need (CIN) census list of ethnicity codes.
    Ethnicity {
        /// White British (census code WBRI).
        Wbri = "WBRI",
        /// White Irish (census code WIRI).
        Wiri = "WIRI",
        /// Traveller of Irish heritage (census code WIRT).
        Wirt = "WIRT",
        /// Any other White background (census code WOTH).
        Woth = "WOTH",
        /// Gypsy or Roma (census code WROM).
        Wrom = "WROM",
        /// White and Black Caribbean (census code MWBC).
        Mwbc = "MWBC",
        /// White and Black African (census code MWBA).
        Mwba = "MWBA",
        /// White and Asian (census code MWAS).
        Mwas = "MWAS",
        /// Any other mixed background (census code MOTH).
        Moth = "MOTH",
        /// Indian (census code AIND).
        Aind = "AIND",
        /// Pakistani (census code APKN).
        Apkn = "APKN",
        /// Bangladeshi (census code ABAN).
        Aban = "ABAN",
        /// Any other Asian background (census code AOTH).
        Aoth = "AOTH",
        /// Black Caribbean (census code BCRB).
        Bcrb = "BCRB",
        /// Black African (census code BAFR).
        Bafr = "BAFR",
        /// Any other Black background (census code BOTH).
        Both = "BOTH",
        /// Chinese (census code CHNE).
        Chne = "CHNE",
        /// Any other ethnic group (census code OOTH).
        Ooth = "OOTH",
        /// The child or family declined to say (census code REFU).
        Refu = "REFU",
        /// Information not yet obtained (census code NOBT).
        Nobt = "NOBT",
    }
}

code_enum! {
    /// A household member's relationship to the child.
    Relationship {
        /// The child's mother.
        Mother = "MOTHER",
        /// The child's father.
        Father = "FATHER",
        /// The child's step-parent.
        StepParent = "STEP_PARENT",
        /// The partner of one of the child's parents, who is not a step-parent.
        PartnerOfParent = "PARTNER_OF_PARENT",
        /// One of the child's grandparents.
        Grandparent = "GRANDPARENT",
        /// The child's brother or sister.
        Sibling = "SIBLING",
        /// The child's half-brother or half-sister.
        HalfSibling = "HALF_SIBLING",
        /// The child's aunt or uncle.
        AuntOrUncle = "AUNT_OR_UNCLE",
        /// The child's foster carer.
        FosterCarer = "FOSTER_CARER",
        /// Another relative of the child.
        OtherRelative = "OTHER_RELATIVE",
        /// Someone who is not a relative, for example a family friend or a lodger.
        Other = "OTHER",
    }
}

code_enum! {
    /// What kind of social-care involvement a case is.
    CaseKind {
        /// Child and family assessment (Children Act 1989 s17).
        Assessment = "ASSESSMENT",
        /// Child in need: support for a child in need (Children Act 1989 s17).
        ChildInNeed = "CHILD_IN_NEED",
        /// Child protection: significant harm is suspected (Children Act 1989 s47), with a
        /// strategy discussion, an enquiry and, where needed, a child protection plan.
        ChildProtection = "CHILD_PROTECTION",
        /// Looked after: the child is in the care of the local authority.
        LookedAfter = "LOOKED_AFTER",
    }
}

code_enum! {
    /// Whether a case is open or closed.
    CaseStatus {
        /// The case is open: children's social care is involved with the child.
        Open = "OPEN",
        /// The case is closed, with a reason for closure.
        Closed = "CLOSED",
    }
}

code_enum! {
    /// Why a case was closed, as a children in need (CIN) census reason for closure (RC1 to RC9).
    ClosureReason {
        /// Adopted (census code RC1).
        Adopted = "RC1",
        /// Died (census code RC2).
        Died = "RC2",
        /// A child arrangements order was made (census code RC3).
        ChildArrangementsOrder = "RC3",
        /// A special guardianship order was made (census code RC4).
        SpecialGuardianshipOrder = "RC4",
        /// Transferred to another local authority (census code RC5).
        TransferredToAnotherLa = "RC5",
        /// Transferred to adult social care (census code RC6).
        TransferredToAdultSocialCare = "RC6",
        /// RC7: services ceased for any other reason, including no longer in need.
        ServicesCeased = "RC7",
        /// Closed after assessment with no further action (census code RC8).
        NoFurtherActionAfterAssessment = "RC8",
        /// Closed after assessment and referred to early help (census code RC9).
        ReferredToEarlyHelp = "RC9",
    }
}

code_enum! {
    /// A step in a case's life: its opening, an allocation or its closure. Each step is kept in
    /// the case's history.
    CaseEventKind {
        /// The case was opened.
        Opened = "OPENED",
        /// The case was allocated (or reallocated) to a worker.
        Allocated = "ALLOCATED",
        /// The case was closed.
        Closed = "CLOSED",
    }
}

code_enum! {
    // The levels of need: docs/domain.md §2.
    /// One of the four levels of need of the Working Well framework, from 1 (universal) to 4
    /// (specialist).
    Level {
        /// Level 1, universal: the family manages on its own or with advice from universal
        /// services such as schools, GPs and health visitors. No assessment is needed.
        Universal = "UNIVERSAL",
        /// Level 2, universal plus: advice alone has not been enough, and a practitioner who
        /// already knows the family gives extra support, usually through an early help
        /// assessment and a plan they lead.
        UniversalPlus = "UNIVERSAL_PLUS",
        /// Level 3, intensive: significant or multiple needs, met by intensive family support or
        /// coordinated work between agencies, led by a lead practitioner with a team around the
        /// family.
        Intensive = "INTENSIVE",
        /// Level 4, specialist: statutory children's social care, for a child in need (Children
        /// Act 1989 s17) or for child protection (s47) where significant harm is suspected.
        Specialist = "SPECIALIST",
    }
}

code_enum! {
    // ICO logging pattern: docs/domain.md §8.4.
    /// What someone did with a record, as kept in the audit trail.
    AuditAction {
        /// Read or viewed a record.
        Read = "READ",
        /// Created a record.
        Create = "CREATE",
        /// Changed a record.
        Update = "UPDATE",
        /// Searched records, for example for a child by name.
        Search = "SEARCH",
    }
}

code_enum! {
    /// Whether an action in the audit trail was allowed or refused.
    AuditOutcome {
        /// The action was allowed.
        Allowed = "ALLOWED",
        /// The action was refused: the person may not act on the record, or it does not exist.
        Denied = "DENIED",
    }
}

code_enum! {
    /// Where a request for support is in its life.
    RequestStatus {
        /// Made by an early help step up and not yet submitted: its author's alone, never in the
        /// hub's queue.
        Draft = "DRAFT",
        /// Submitted and waiting in the hub's queue for a decision, due within one working day.
        Received = "RECEIVED",
        /// The hub has decided it: the outcome and feedback are on the decision.
        Decided = "DECIDED",
        /// Withdrawn by the referrer before the hub decided it.
        Withdrawn = "WITHDRAWN",
    }
}

code_enum! {
    // docs/domain.md §4.4.
    /// Where an early help assessment is in its life.
    EarlyHelpStatus {
        /// Started; no plan agreed yet.
        Assessment = "ASSESSMENT",
        /// A plan has been agreed and is being reviewed.
        PlanActive = "PLAN_ACTIVE",
        /// The assessment is closed, with its closure outcome.
        Closed = "CLOSED",
    }
}
