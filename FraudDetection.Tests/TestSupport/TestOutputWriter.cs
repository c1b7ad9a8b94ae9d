using System.Text;
using Xunit.Abstractions;

namespace FraudDetection.Tests.TestSupport;

/// <summary>A <see cref="TextWriter"/> whose lines go to the test's output (for code that reports progress to a writer).</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value) => output.WriteLine(value ?? "");
}
