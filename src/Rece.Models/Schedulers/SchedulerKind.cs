namespace Rece.Models.Schedulers;

/// <summary>The sampling algorithms this tool implements, with diffusers' semantics.</summary>
public enum SchedulerKind
{
    /// <summary>LMSDiscreteScheduler: 4th-order linear multistep on the sigma ODE (the reference evaluation's
    /// sampler).</summary>
    Lms,

    /// <summary>DDIMScheduler with eta = 0 (deterministic).</summary>
    Ddim,

    /// <summary>EulerDiscreteScheduler without churn (deterministic).</summary>
    Euler,

    /// <summary>PNDMScheduler (PLMS when skip_prk_steps, as Stable Diffusion ships it).</summary>
    Pndm,
}
