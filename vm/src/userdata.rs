//! Full userdata: a Rust payload with a metatable, for host objects (the proxy's TXN, Channel,
//! Socket...). The payload is `'static` (it holds no arena pointers); per-type behaviour comes from
//! the metatable, which the host builds once per type and reuses.

use std::any::Any;

use gc_arena::{Collect, Gc, Lock, Mutation};

use crate::table::Table;
use crate::value::{Value, gc_identity};

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct UserData<'gc>(pub(crate) Gc<'gc, UserDataState<'gc>>);

gc_identity!(UserData);

#[derive(Collect)]
#[collect(no_drop)]
pub struct UserDataState<'gc> {
    metatable: Lock<Option<Table<'gc>>>,
    user_value: Lock<Value<'gc>>,
    #[collect(require_static)]
    data: Box<dyn Any>,
    /// Whether the object is in the collector's finalization list (`gc::register_userdata`).
    #[collect(require_static)]
    pub(crate) finalizer_registered: std::cell::Cell<bool>,
    #[collect(require_static)]
    _charge: crate::memory::Charge,
}

impl<'gc> UserData<'gc> {
    pub fn new<T: Any>(mc: &Mutation<'gc>, data: T, metatable: Option<Table<'gc>>) -> Self {
        UserData(Gc::new(
            mc,
            UserDataState {
                metatable: Lock::new(metatable),
                user_value: Lock::new(Value::Nil),
                data: Box::new(data),
                finalizer_registered: std::cell::Cell::new(false),
                _charge: crate::memory::Charge::new(
                    16 + std::mem::size_of::<UserDataState<'static>>() + std::mem::size_of::<T>(),
                ),
            },
        ))
    }

    pub fn metatable(self) -> Option<Table<'gc>> {
        self.0.metatable.get()
    }

    pub fn set_metatable(self, mc: &Mutation<'gc>, mt: Option<Table<'gc>>) {
        gc_arena::barrier::unlock!(Gc::write(mc, self.0), UserDataState, metatable).set(mt);
    }

    pub fn user_value(self) -> Value<'gc> {
        self.0.user_value.get()
    }

    pub fn set_user_value(self, mc: &Mutation<'gc>, v: Value<'gc>) {
        gc_arena::barrier::unlock!(Gc::write(mc, self.0), UserDataState, user_value).set(v);
    }

    /// The payload, if it is a `T`.
    pub fn downcast<T: Any>(self) -> Option<&'gc T> {
        Gc::as_ref(self.0).data.downcast_ref::<T>()
    }
}
