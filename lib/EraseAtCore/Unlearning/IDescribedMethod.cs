namespace EraseAtCore.Unlearning;

/// <summary>A method that declares its <see cref="MethodDescriptor"/> next to its class, where the catalog finds it.</summary>
public interface IDescribedMethod : IUnlearningMethod
{
    /// <summary>The method's descriptor.</summary>
    static abstract MethodDescriptor Descriptor { get; }
}
