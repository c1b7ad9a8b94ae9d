using Xunit.Abstractions;
using Xunit.Sdk;

namespace FraudDetection.Tests.AppHost;

/// <summary>Orders the tests of a class that share one process: the test that stops it runs last.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TestPriorityAttribute(int priority) : Attribute
{
    public int Priority { get; } = priority;
}

public sealed class PriorityOrderer : ITestCaseOrderer
{
    public const string TypeName = "FraudDetection.Tests.AppHost.PriorityOrderer";
    public const string AssemblyName = "FraudDetection.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method
                .GetCustomAttributes(typeof(TestPriorityAttribute).AssemblyQualifiedName)
                .FirstOrDefault()?.GetConstructorArguments().FirstOrDefault() as int? ?? 0)
            .ThenBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
