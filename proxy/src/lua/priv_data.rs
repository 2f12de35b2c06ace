//! `get_priv`/`set_priv` of TXN and the applets: one Lua value per object, kept as the user
//! value of the object's userdata so it lives exactly as long as the object.

use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Value};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

fn userdata<'gc>(stack: &Stack<'gc, '_>) -> Result<halo_vm::UserData<'gc>, Error<'gc>> {
    if let Value::Table(t) = stack.get(0)
        && let Value::UserData(ud) = t.get_int(0)
    {
        return Ok(ud);
    }
    Err(Error::bad_arg(1, "object expected"))
}

pub fn get_priv<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = userdata(&stack)?.user_value();
    stack.replace(&[v]);
    Ok(Action::Return)
}

pub fn set_priv<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let ud = userdata(&stack)?;
    ud.set_user_value(ctx.mc, stack.get(1));
    stack.clear();
    Ok(Action::Return)
}
