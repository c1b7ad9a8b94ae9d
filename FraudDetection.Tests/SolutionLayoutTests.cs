namespace FraudDetection.Tests;

public class SolutionLayoutTests
{
    [Fact]
    public void Topic_names_are_unique_and_lower_case()
    {
        FraudDetection.Core.Messaging.Topics.All.Should().OnlyHaveUniqueItems()
            .And.OnlyContain(t => t == t.ToLowerInvariant());
    }
}
