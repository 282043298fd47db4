//! The account page (password, organizations), the members page (roles, invitations) and the
//! page an invited person opens to choose a password.

use std::collections::BTreeMap;

use askama::Template;

use super::Chrome;
use crate::i18n::Lang;

pub struct MemberTexts {
    pub account: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub password_hint: &'static str,
    pub password_changed: &'static str,
    pub organizations: &'static str,
    pub working_in: &'static str,
    pub switch: &'static str,
    pub members: &'static str,
    pub invite: &'static str,
    pub invite_hint: &'static str,
    pub person_login: &'static str,
    pub person_name: &'static str,
    pub role: &'static str,
    pub roles: [(&'static str, &'static str); 4],
    pub send_invite: &'static str,
    pub invite_link: &'static str,
    pub added: &'static str,
    pub pending: &'static str,
    pub expires: &'static str,
    pub change_role: &'static str,
    pub role_saved: &'static str,
    pub only_owners: &'static str,
    pub invitation_title: &'static str,
    pub invitation_intro: &'static str,
    /// For a person who already has an account: they confirm with their password.
    pub invitation_intro_existing: &'static str,
    pub accept: &'static str,
    pub accepted: &'static str,
    pub invitation_gone: &'static str,
    pub err_wrong_password: &'static str,
    pub err_policy: &'static str,
    pub err_too_many: &'static str,
    pub err_login: &'static str,
    pub err_name: &'static str,
    pub err_already: &'static str,
    pub err_role: &'static str,
}

pub const VI: MemberTexts = MemberTexts {
    account: "Tài khoản",
    change_password: "Đổi mật khẩu",
    current_password: "Mật khẩu hiện tại",
    new_password: "Mật khẩu mới",
    password_hint: "Từ 8 đến 128 ký tự; nên dùng một câu dễ nhớ.",
    password_changed: "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
    organizations: "Tổ chức của bạn",
    working_in: "đang làm việc",
    switch: "Chuyển sang",
    members: "Thành viên",
    invite: "Mời thành viên",
    invite_hint: "Gửi đường dẫn mời cho người đó: người đã có tài khoản xác nhận bằng mật khẩu của mình, người mới tự đặt mật khẩu. Không ai được thêm khi chưa đồng ý.",
    person_login: "Số điện thoại hoặc email",
    person_name: "Họ tên",
    role: "Vai trò",
    roles: [
        ("owner", "Chủ sở hữu (toàn quyền, quản lý thành viên)"),
        ("manager", "Quản lý (sản phẩm, trang trại, lô hàng)"),
        ("member", "Thành viên (ghi nhật ký, phát hành tem)"),
        ("inspector", "Kiểm tra viên (chỉ xem)"),
    ],
    send_invite: "Mời",
    invite_link: "Gửi đường dẫn này cho người được mời (qua Zalo, SMS…). Chỉ dùng được một lần, trong 7 ngày, và sẽ không hiện lại:",
    added: "Đã thêm người này vào tổ chức.",
    pending: "Lời mời chưa nhận",
    expires: "hết hạn",
    change_role: "Đổi vai trò",
    role_saved: "Đã đổi vai trò; người đó cần đăng nhập lại.",
    only_owners: "Chỉ chủ sở hữu mời thành viên và đổi vai trò.",
    invitation_title: "Lời mời tham gia",
    invitation_intro: "Chọn mật khẩu để bắt đầu dùng trang quản lý. Sau đó đăng nhập bằng",
    invitation_intro_existing: "Bạn đã có tài khoản. Nhập mật khẩu hiện tại của bạn để đồng ý tham gia tổ chức này với tài khoản",
    accept: "Nhận lời mời",
    accepted: "Xong! Hãy đăng nhập bằng số điện thoại hoặc email của bạn và mật khẩu vừa chọn.",
    invitation_gone: "Lời mời này không còn dùng được (đã dùng hoặc quá 7 ngày). Hãy nhờ người mời gửi lời mời mới.",
    err_wrong_password: "Mật khẩu hiện tại không đúng.",
    err_policy: "Mật khẩu từ 8 đến 128 ký tự.",
    err_too_many: "Quá nhiều lần nhập sai. Hãy thử lại sau 15 phút.",
    err_login: "Nhập số điện thoại (ví dụ 0912345678) hoặc email hợp lệ.",
    err_name: "Nhập họ tên, từ 1 đến 200 ký tự.",
    err_already: "Người này đã là thành viên; hãy đổi vai trò ở danh sách.",
    err_role: "Chọn một vai trò.",
};

pub const EN: MemberTexts = MemberTexts {
    account: "Account",
    change_password: "Change your password",
    current_password: "Current password",
    new_password: "New password",
    password_hint: "8 to 128 characters; a sentence you remember works well.",
    password_changed: "Password changed. Your other sessions have ended.",
    organizations: "Your organizations",
    working_in: "working in",
    switch: "Switch to",
    members: "Members",
    invite: "Invite a member",
    invite_hint: "Pass the link on: someone with an account confirms with their own password, someone new chooses one. Nobody is added without agreeing.",
    person_login: "Phone number or e-mail",
    person_name: "Full name",
    role: "Role",
    roles: [
        ("owner", "Owner (everything, manages members)"),
        ("manager", "Manager (products, farms, batches)"),
        ("member", "Member (diary, stamps)"),
        ("inspector", "Inspector (read only)"),
    ],
    send_invite: "Invite",
    invite_link: "Send this link to the person invited (Zalo, SMS…). It works once, for 7 days, and is not shown again:",
    added: "This person was added to the organization.",
    pending: "Invitations not yet accepted",
    expires: "expires",
    change_role: "Change role",
    role_saved: "Role changed; that person signs in again.",
    only_owners: "Only owners invite members and change roles.",
    invitation_title: "Invitation to join",
    invitation_intro: "Choose a password to start using the console. Then sign in with",
    invitation_intro_existing: "You already have an account. Enter your current password to agree to join this organization with the account",
    accept: "Accept the invitation",
    accepted: "Done! Sign in with your phone number or e-mail and the password you chose.",
    invitation_gone: "This invitation no longer works (used, or older than 7 days). Ask for a new one.",
    err_wrong_password: "The current password is wrong.",
    err_policy: "A password has 8 to 128 characters.",
    err_too_many: "Too many wrong tries. Try again in 15 minutes.",
    err_login: "Give a phone number (e.g. 0912345678) or a valid e-mail address.",
    err_name: "Give a name of 1 to 200 characters.",
    err_already: "This person is already a member; change their role in the list.",
    err_role: "Choose a role.",
};

pub fn member_texts(lang: Lang) -> &'static MemberTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl MemberTexts {
    pub fn role_name(&self, role: &str) -> &'static str {
        self.roles
            .iter()
            .find(|(k, _)| *k == role)
            .map_or("", |(_, v)| v)
    }
}

#[derive(Template)]
#[template(path = "console/account.html")]
pub struct AccountPage {
    pub c: Chrome,
    pub m: &'static MemberTexts,
    /// (id, name, role words, current).
    pub organizations: Vec<(String, String, &'static str, bool)>,
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: bool,
}

impl AccountPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

/// The invitation form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub login: String,
    pub name: String,
    pub role: String,
}

pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub login: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "console/members.html")]
pub struct MembersPage {
    pub c: Chrome,
    pub m: &'static MemberTexts,
    pub organization: String,
    pub owner: bool,
    pub members: Vec<MemberRow>,
    /// (name, login, role words, expires).
    pub pending: Vec<(String, String, &'static str, String)>,
    pub form: InviteForm,
    pub errors: BTreeMap<&'static str, &'static str>,
    /// A link just made, shown this once.
    pub link: Option<String>,
    pub saved: Option<&'static str>,
}

impl MembersPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

#[derive(Template)]
#[template(path = "console/invitation.html")]
pub struct InvitationPage {
    pub c: Chrome,
    pub m: &'static MemberTexts,
    /// (organization, the person's login) while the invitation is open.
    pub open: Option<(String, String)>,
    /// The person already has an account (they confirm with their password).
    pub existing: bool,
    pub error: Option<&'static str>,
    pub done: bool,
}
