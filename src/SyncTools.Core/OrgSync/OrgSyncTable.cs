namespace SyncTools.Core.OrgSync;

/// <summary>The tables Invoke-OrgSync writes, in foreign-key order: a table is synced after those it refers to.</summary>
public enum OrgSyncTable
{
    /// <summary>laas.institutes into organizations.institute.</summary>
    Institutes,

    /// <summary>Active laas.users with an email and a password into organizations.user.</summary>
    Users,

    /// <summary>laas.institute_user into organizations.institute_users, for institutes and users the target holds.</summary>
    InstituteUsers,

    /// <summary>The password hashes of those users into organizations.user_auth.</summary>
    UserAuth,
}
