using SyncTools.Core.OrgSync;

namespace SyncTools.Core.Tests.OrgSync;

public class OrgMappingsTests
{
    [Theory]
    [InlineData("ADMIN", "ADMIN")]
    [InlineData("admin", "ADMIN")]
    [InlineData("TEACHER", "FACULTY")]
    [InlineData("Instructor", "FACULTY")]
    [InlineData("STUDENT", "STUDENT")]
    [InlineData("staff", "STAFF")]
    [InlineData(" DIRECTOR ", "DIRECTOR")]
    [InlineData("JANITOR", "STUDENT")]
    [InlineData("", "STUDENT")]
    [InlineData(null, "STUDENT")]
    public void User_types_map_to_roles_case_insensitively_with_student_for_anything_else(string? userType, string role) =>
        Assert.Equal(role, OrgMappings.Role(userType));

    [Theory]
    [InlineData("ACTIVE", true)]
    [InlineData("active", true)]
    [InlineData("INACTIVE", false)]
    [InlineData("PENDING", false)]
    [InlineData(null, false)]
    public void Only_active_status_is_active(string? status, bool active) => Assert.Equal(active, OrgMappings.IsActive(status));

    [Theory]
    [InlineData("Ada", "Lovelace", "Ada Lovelace")]
    [InlineData("  Ada ", " Lovelace  ", "Ada Lovelace")]
    [InlineData("Ada", null, "Ada")]
    [InlineData(null, "Lovelace", "Lovelace")]
    [InlineData("  ", "Lovelace", "Lovelace")]
    [InlineData(null, null, "")]
    public void Names_join_trimmed_parts_without_stray_spaces(string? first, string? last, string name) =>
        Assert.Equal(name, OrgMappings.Name(first, last));
}
